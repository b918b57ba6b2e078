using BrokerGateway.Core.Connections;

namespace BrokerGateway.Server.Transport.Framed;

public sealed partial class FramedClientSocket
{
    /// <summary>Writes this socket's queued frames together with other sockets' (null: the send loop writes them).</summary>
    readonly RingSender? _batches;

    /// <summary>
    /// Lets the ring sender write <paramref name="queue"/>'s frames in batches. Only a bare socket takes part:
    /// through Kestrel's stream, writes go the stream's own way.
    /// </summary>
    public void AttachBatchSends(OutboundQueue queue)
    {
        if (_batches is not null && _socketOutput is not null) queue.AttachBatchSender(_batches, this);
    }

    /// <summary>
    /// Takes the write lock for a batch write, if it is free and there is nothing else to write first (control
    /// frames, which the send loop writes with data), and holds the descriptor open. False: leave it to the loop.
    /// </summary>
    internal bool TryBeginBatchWrite(out int fd)
    {
        fd = -1;
        if (_socketOutput is not { } socket || !_writeLock.Wait(0)) return false;
        if (Volatile.Read(ref _closeWritten) == 0 && Volatile.Read(ref _failed) == 0 && !HasPendingControl && socket.TryHoldDescriptor(out fd))
            return true;
        _writeLock.Release();
        return false;
    }

    /// <summary>After <see cref="TryBeginBatchWrite"/>: lets go of the descriptor and the lock; writes what control frames came meanwhile.</summary>
    internal void EndBatchWrite()
    {
        _socketOutput!.ReleaseDescriptor();
        _writeLock.Release();
        if (HasPendingControl) _ = FlushControlAsync();
    }

    /// <summary>
    /// The kernel had no room for all of a batch write: sends <paramref name="rest"/> as the send loop would
    /// (waiting for room), still holding the lock so nothing overtakes it, then ends the batch write and hands
    /// the queue back to its loop.
    /// </summary>
    internal async Task FinishBatchWriteAsync(byte[] rest, OutboundQueue queue)
    {
        try
        {
            await _socketOutput!.WriteAsync(rest, CancellationToken.None);
        }
        catch (Exception)
        {
            Volatile.Write(ref _failed, 1);
            Abort(); // as a failed write in the send loop does: the session ends, its loops find out
        }
        finally
        {
            EndBatchWrite();
            queue.EndClaim();
        }
    }

    /// <summary>A batch write the kernel refused (the connection is gone): ends it, and the connection.</summary>
    internal void FailBatchWrite()
    {
        Volatile.Write(ref _failed, 1);
        EndBatchWrite();
        Abort();
    }
}
