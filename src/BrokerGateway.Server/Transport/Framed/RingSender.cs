using BrokerGateway.Core.Connections;
using BrokerGateway.Server.Transport.Linux;

namespace BrokerGateway.Server.Transport.Framed;

/// <summary>
/// Writes the framed sockets claimed by an <see cref="OutboundBatch"/> (a push's fan-out) with one io_uring
/// submission: each socket's queued frames are serialized into one buffer and go as one non-blocking send,
/// all sockets' sends in one system call, from the fan-out's thread. Against a send loop per socket woken
/// through the thread pool, it saves a hop and a system call per delivery; where system calls are dear (a
/// virtual machine), that is a third of the replica's work per delivery (bench/results/fanout.md).
/// <para>
/// What a batch cannot finish falls back to the socket's own path, in order: a socket someone else is
/// writing to, or with control frames to go, is left to its send loop; the rest of a write the kernel had no
/// room for is sent by the socket asynchronously before its loop resumes.
/// </para>
/// </summary>
public sealed class RingSender : IBatchSender, IDisposable
{
    readonly Lane[] _lanes;

    RingSender(Lane[] lanes) => _lanes = lanes;

    /// <summary>Raised once when a ring had to be given up (its sockets fall back to their loops): why.</summary>
    public event Action<string>? RingFailed;

    /// <summary>Rings in use: one per core, so fan-outs on different threads rarely wait for each other.</summary>
    public int Rings => _lanes.Length;

    /// <summary>A sender with a ring per core, or null and why io_uring cannot be used here.</summary>
    public static RingSender? TryCreate(out string? unavailable)
    {
        var lanes = new Lane[Math.Clamp(Environment.ProcessorCount, 1, 8)];
        for (var i = 0; i < lanes.Length; i++)
        {
            if (SendRing.TryCreate(Lane.Entries, out unavailable) is not { } ring)
            {
                foreach (var made in lanes.AsSpan(0, i)) made.Dispose();
                return null;
            }
            lanes[i] = new Lane(ring);
        }
        unavailable = null;
        var sender = new RingSender(lanes);
        foreach (var lane in lanes) lane.Failed += sender.OnRingFailed;
        return sender;
    }

    public void SendClaimed(ReadOnlySpan<OutboundQueue> claimed)
    {
        // The lane of the core we run on, if free; else any free one; else wait for ours.
        var first = Thread.GetCurrentProcessorId() % _lanes.Length;
        for (var i = 0; i < _lanes.Length; i++)
        {
            var lane = _lanes[(first + i) % _lanes.Length];
            if (!Monitor.TryEnter(lane)) continue;
            try
            {
                lane.Send(claimed);
            }
            finally
            {
                Monitor.Exit(lane);
            }
            return;
        }
        lock (_lanes[first]) _lanes[first].Send(claimed);
    }

    int _failedOnce;

    void OnRingFailed(string why)
    {
        if (Interlocked.Exchange(ref _failedOnce, 1) == 0) RingFailed?.Invoke(why);
    }

    public void Dispose()
    {
        foreach (var lane in _lanes)
            lock (lane) lane.Dispose();
    }

    /// <summary>One ring, its buffer and its bookkeeping; used under its own lock.</summary>
    sealed class Lane : IDisposable
    {
        public const int Entries = 256;

        /// <summary>Serialized frames of one submission; a fan-out bigger than this goes in several.</summary>
        const int BufferBytes = 64 * 1024;

        /// <summary>A socket with more queued than this is left to its send loop (big payloads go from their own memory).</summary>
        const int MaxBytesPerSocket = 16 * 1024;

        const int MaxFramesPerSocket = 64;

        readonly byte[] _buffer = GC.AllocateArray<byte>(BufferBytes, pinned: true);
        readonly OutboundFrame[] _frames = new OutboundFrame[MaxFramesPerSocket];
        readonly Pending[] _pending = new Pending[Entries];
        readonly int[] _results = new int[Entries];
        SendRing? _ring;
        int _used;

        public Lane(SendRing ring) => _ring = ring;

        public event Action<string>? Failed;

        /// <summary>A send in the ring: whose, and where its bytes are in the buffer.</summary>
        record struct Pending(FramedClientSocket Socket, OutboundQueue Queue, int Offset, int Length);

        public void Send(ReadOnlySpan<OutboundQueue> claimed)
        {
            foreach (var queue in claimed)
            {
                if (_ring is not null && !queue.IsCompleted && queue.BatchTarget is FramedClientSocket socket && socket.TryBeginBatchWrite(out var fd))
                    Queue(socket, queue, fd);
                else queue.EndClaim(); // its send loop takes it from here
            }
            Submit();
        }

        /// <summary>Holding the socket's write lock: its frames into the buffer, and a send of them into the ring.</summary>
        unsafe void Queue(FramedClientSocket socket, OutboundQueue queue, int fd)
        {
            var count = queue.TryRead(_frames);
            var frames = _frames.AsSpan(0, count);
            var size = FramedClientSocket.SerializedSize(frames);
            if (count == 0 || size > MaxBytesPerSocket || !MakeRoom((int)size))
            {
                // Nothing to send, too much to copy, or the ring just failed: the socket's own way, ahead of its loop.
                var taken = frames.ToArray();
                frames.Clear();
                socket.EndBatchWrite();
                if (taken.Length > 0) _ = SendThroughLoopAsync(socket, taken, queue);
                else queue.EndClaim();
                return;
            }
            var bytes = (int)size;
            FramedClientSocket.Serialize(frames, _buffer.AsSpan(_used, bytes));
            frames.Clear(); // payloads are not kept alive by the lane
            fixed (byte* at = &_buffer[_used])
            {
                var index = _ring!.QueueSend(fd, at, bytes); // the buffer is pinned: the address outlives the fixed block
                _pending[index] = new Pending(socket, queue, _used, bytes);
            }
            _used += bytes;
        }

        /// <summary>Submits what is queued if <paramref name="size"/> more bytes or one more send would not fit; false once the ring is gone.</summary>
        bool MakeRoom(int size)
        {
            if (_ring is not null && (_used + size > BufferBytes || _ring.Queued == _ring.Capacity)) Submit();
            return _ring is not null;
        }

        /// <summary>Frames too big to gather here: written the socket's own way, then the queue goes back to its loop.</summary>
        static async Task SendThroughLoopAsync(FramedClientSocket socket, OutboundFrame[] frames, OutboundQueue queue)
        {
            try
            {
                await socket.SendAsync(frames, CancellationToken.None);
            }
            catch (Exception)
            {
                socket.Abort(); // as a failed write in the send loop does
            }
            finally
            {
                queue.EndClaim();
            }
        }

        /// <summary>Sends what is in the ring, then settles each socket by its result.</summary>
        void Submit()
        {
            if (_ring is not { Queued: > 0 } ring) return;
            var count = ring.Queued;
            ring.Submit(_results);
            for (var i = 0; i < count; i++)
            {
                var (socket, queue, offset, length) = _pending[i];
                _pending[i] = default;
                var sent = _results[i];
                if (sent == length)
                {
                    socket.EndBatchWrite();
                    queue.EndClaim();
                }
                else if (sent >= 0 || sent == -SendRing.EAgain)
                {
                    // No room for all of it: the rest is copied out (the buffer is reused next) and sent when there is.
                    var rest = _buffer.AsSpan(offset + Math.Max(sent, 0), length - Math.Max(sent, 0)).ToArray();
                    _ = socket.FinishBatchWriteAsync(rest, queue);
                }
                else
                {
                    socket.FailBatchWrite();
                    queue.EndClaim();
                }
            }
            _used = 0;
            if (ring.Broken)
            {
                ring.Dispose();
                _ring = null;
                Failed?.Invoke("an io_uring submission failed; these sockets' sends go one system call each from now on");
            }
        }

        public void Dispose()
        {
            _ring?.Dispose();
            _ring = null;
        }
    }
}
