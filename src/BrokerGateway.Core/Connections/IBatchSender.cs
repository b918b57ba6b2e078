namespace BrokerGateway.Core.Connections;

/// <summary>
/// A transport that can write what many sockets' queues hold in one go, from the thread that queued the
/// frames, instead of waking each socket's send loop (a thread-pool hop and a system call per socket).
/// See <see cref="OutboundBatch"/>.
/// </summary>
public interface IBatchSender
{
    /// <summary>
    /// Writes what each claimed queue holds, or leaves it to the queue's send loop, and ends every claim
    /// (<see cref="OutboundQueue.EndClaim"/>) exactly once, whatever happens.
    /// </summary>
    void SendClaimed(ReadOnlySpan<OutboundQueue> claimed);
}
