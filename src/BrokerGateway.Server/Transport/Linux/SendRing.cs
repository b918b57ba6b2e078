using System.Runtime.InteropServices;

namespace BrokerGateway.Server.Transport.Linux;

/// <summary>
/// One io_uring instance used as a send to many sockets in one system call: the fan-out of a push to a
/// room writes each member socket's frames with one request each, and submits them together.
/// <para>
/// Every send is non-blocking (<c>MSG_DONTWAIT</c>): the kernel sends what each socket has room for while
/// it takes the requests, and completes every one of them there, with the bytes sent or <c>-EAGAIN</c>.
/// So when <see cref="Submit"/> returns, no request is left in flight and every buffer is free again; the
/// ring needs no thread of its own and no completion handling later. Not thread-safe: one caller at a time.
/// </para>
/// </summary>
internal sealed unsafe partial class SendRing : IDisposable
{
    readonly int _ringFd;
    readonly nint _rings;
    readonly nuint _ringsSize;
    readonly nint _sqeMemory;
    readonly nuint _sqeSize;
    readonly Sqe* _sqes;
    readonly uint* _sqTail;
    readonly uint _sqMask;
    readonly uint* _cqHead;
    readonly uint* _cqTail;
    readonly uint _cqMask;
    readonly Cqe* _cqes;
    int _queued;
    bool _disposed;

    SendRing(int ringFd, in Params p, nint rings, nuint ringsSize, nint sqeMemory, nuint sqeSize)
    {
        _ringFd = ringFd;
        _rings = rings;
        _ringsSize = ringsSize;
        _sqeMemory = sqeMemory;
        _sqeSize = sqeSize;
        _sqes = (Sqe*)sqeMemory;
        var ring = (byte*)rings;
        _sqTail = (uint*)(ring + p.SqOff.Tail);
        _sqMask = *(uint*)(ring + p.SqOff.RingMask);
        _cqHead = (uint*)(ring + p.CqOff.Head);
        _cqTail = (uint*)(ring + p.CqOff.Tail);
        _cqMask = *(uint*)(ring + p.CqOff.RingMask);
        _cqes = (Cqe*)(ring + p.CqOff.Cqes);
        Capacity = (int)p.SqEntries;
        // Slot i of the submission array always names entry i: requests are taken in the order written.
        var array = (uint*)(ring + p.SqOff.Array);
        for (uint i = 0; i < p.SqEntries; i++) array[i] = i;
    }

    /// <summary>Sends one <see cref="Submit"/> can carry.</summary>
    public int Capacity { get; }

    /// <summary>Sends queued since the last <see cref="Submit"/>.</summary>
    public int Queued => _queued;

    /// <summary>
    /// True once a submission went wrong (the kernel refused it, or left a send in flight): the ring must not
    /// be used again. Its requests were reported as not sent.
    /// </summary>
    public bool Broken { get; private set; }

    /// <summary>
    /// A ring of <paramref name="entries"/> sends, or null with the reason when this system has none to give:
    /// not Linux, a kernel before 5.18, io_uring turned off (<c>kernel.io_uring_disabled</c>) or refused by a
    /// seccomp profile (as container runtimes often do).
    /// </summary>
    public static SendRing? TryCreate(int entries, out string? unavailable)
    {
        unavailable = null;
        if (!OperatingSystem.IsLinux())
        {
            unavailable = "not Linux";
            return null;
        }
        try
        {
            return Create(entries, out unavailable);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            unavailable = $"no {Libc}: {e.Message}";
            return null;
        }
    }

    static SendRing? Create(int entries, out string? unavailable)
    {
        var p = new Params { Flags = SetupSubmitAll };
        var fd = Syscall(SysIoUringSetup, entries, (long)&p, 0, 0, 0, 0);
        if (fd < 0)
        {
            unavailable = $"io_uring_setup failed: {Errno(Marshal.GetLastPInvokeError())}";
            return null;
        }
        var ringFd = (int)fd;
        if ((p.Features & FeatSingleMmap) == 0 || !SupportsSend(ringFd))
        {
            Close(ringFd);
            unavailable = "the kernel's io_uring has no send operation or no single mapping (Linux 5.18 or later is needed)";
            return null;
        }
        var ringsSize = (nuint)Math.Max(p.SqOff.Array + p.SqEntries * sizeof(uint), p.CqOff.Cqes + p.CqEntries * (uint)sizeof(Cqe));
        var rings = MMap(0, ringsSize, ProtRead | ProtWrite, MapShared | MapPopulate, ringFd, OffSqRing);
        var sqeSize = (nuint)(p.SqEntries * (uint)sizeof(Sqe));
        var sqes = rings == -1 ? -1 : MMap(0, sqeSize, ProtRead | ProtWrite, MapShared | MapPopulate, ringFd, OffSqes);
        if (rings == -1 || sqes == -1)
        {
            var error = Marshal.GetLastPInvokeError();
            if (rings != -1) MUnmap(rings, ringsSize);
            Close(ringFd);
            unavailable = $"mapping the io_uring failed: {Errno(error)}";
            return null;
        }
        unavailable = null;
        return new SendRing(ringFd, p, rings, ringsSize, sqes, sqeSize);
    }

    static bool SupportsSend(int ringFd)
    {
        const int ops = 64;
        var probe = stackalloc byte[16 + ops * sizeof(ProbeOp)];
        new Span<byte>(probe, 16 + ops * sizeof(ProbeOp)).Clear();
        if (Syscall(SysIoUringRegister, ringFd, RegisterProbe, (long)probe, ops, 0, 0) < 0) return false;
        var opsLength = probe[1];
        var op = (ProbeOp*)(probe + 16);
        return OpSend < opsLength && (op[OpSend].Flags & ProbeOpSupported) != 0;
    }

    /// <summary>
    /// Queues a send of <paramref name="length"/> bytes at <paramref name="buffer"/> on socket
    /// <paramref name="fd"/>; its result is the <see cref="Queued"/> index it gets now. The bytes and the
    /// descriptor must stay valid until <see cref="Submit"/> returns.
    /// </summary>
    public int QueueSend(int fd, byte* buffer, int length)
    {
        ObjectDisposedException.ThrowIf(_disposed || Broken, this);
        if (_queued == Capacity) throw new InvalidOperationException("the send ring is full: submit first");
        var index = _queued++;
        var sqe = &_sqes[(*_sqTail + (uint)index) & _sqMask];
        *sqe = default;
        sqe->Opcode = OpSend;
        sqe->Fd = fd;
        sqe->Addr = (ulong)buffer;
        sqe->Len = (uint)length;
        sqe->MsgFlags = MsgDontWait | MsgNoSignal;
        sqe->UserData = (ulong)index;
        return index;
    }

    /// <summary>
    /// Hands every queued send to the kernel in one system call and writes each one's result at its index:
    /// the bytes sent (maybe fewer than asked), or a negated errno (-<see cref="EAgain"/>: no room now).
    /// A send the kernel never took is reported as -EAGAIN, nothing sent.
    /// </summary>
    public void Submit(Span<int> results)
    {
        var count = _queued;
        if (count == 0) return;
        results[..count].Fill(-EAgain);
        _queued = 0;
        Volatile.Write(ref *_sqTail, *_sqTail + (uint)count); // the entries above are written before the kernel sees them

        long taken;
        do taken = Syscall(SysIoUringEnter, _ringFd, count, 0, 0, 0, 0);
        while (taken < 0 && Marshal.GetLastPInvokeError() == EIntr);
        if (taken < 0)
        {
            // Nothing was taken, and the entries stay in the ring where a later call would take them: the
            // ring is done for (closing it drops them unsent).
            Broken = true;
            return;
        }

        var completed = Reap(results);
        if (completed < taken)
        {
            // A kernel that parked a send to finish it later, despite MSG_DONTWAIT: wait for it (its buffer must
            // not be reused under it), and use the ring no more.
            Broken = true;
            while (completed < taken)
            {
                var waited = Syscall(SysIoUringEnter, _ringFd, 0, taken - completed, EnterGetEvents, 0, 0);
                if (waited < 0 && Marshal.GetLastPInvokeError() != EIntr) break;
                completed += Reap(results);
            }
        }
        if (taken < count) Broken = true; // the rest sit in the ring, untaken: reported as not sent
    }

    /// <summary>Reads the completions there now into <paramref name="results"/>; returns how many.</summary>
    int Reap(Span<int> results)
    {
        var head = *_cqHead;
        var tail = Volatile.Read(ref *_cqTail);
        var reaped = 0;
        for (; head != tail; head++, reaped++)
        {
            ref var cqe = ref _cqes[head & _cqMask];
            if (cqe.UserData < (ulong)results.Length) results[(int)cqe.UserData] = cqe.Res;
        }
        Volatile.Write(ref *_cqHead, head);
        return reaped;
    }

    static string Errno(int errno) => errno switch
    {
        1 => "EPERM (refused: a seccomp profile, or kernel.io_uring_disabled)",
        12 => "ENOMEM (locked-memory limit)",
        22 => "EINVAL (a kernel before 5.18)",
        38 => "ENOSYS (no io_uring in this kernel)",
        _ => $"errno {errno}",
    };

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        MUnmap(_sqeMemory, _sqeSize);
        MUnmap(_rings, _ringsSize);
        Close(_ringFd);
    }
}
