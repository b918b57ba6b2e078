using System.Runtime.InteropServices;

namespace BrokerGateway.Server.Transport.Linux;

// The io_uring ABI as include/uapi/linux/io_uring.h defines it; only what a batch of sends needs.
// (No io_uring package restores here, and liburing is not on every machine: the three system calls are
// made through libc's syscall(2).)
internal sealed unsafe partial class SendRing
{
    // Same numbers on every architecture Linux added io_uring to at once (x86-64, arm64, ...).
    const long SysIoUringSetup = 425;
    const long SysIoUringEnter = 426;
    const long SysIoUringRegister = 427;

    const uint SetupSubmitAll = 1u << 7; // 5.18: a request that fails does not stop the ones after it
    const uint FeatSingleMmap = 1u << 0; // 5.4: SQ and CQ rings share one mapping
    const uint EnterGetEvents = 1u << 0;
    const uint RegisterProbe = 8;
    const byte OpSend = 26; // 5.6
    const ushort ProbeOpSupported = 1;
    const long OffSqRing = 0;
    const long OffSqes = 0x10000000;

    const int MsgDontWait = 0x40; // a send the kernel cannot take now completes with -EAGAIN, never waits
    const int MsgNoSignal = 0x4000;

    const int ProtRead = 1, ProtWrite = 2;
    const int MapShared = 1, MapPopulate = 0x8000;

    internal const int EAgain = 11;
    const int EIntr = 4;

    [StructLayout(LayoutKind.Sequential)]
    struct SqRingOffsets
    {
        public uint Head, Tail, RingMask, RingEntries, Flags, Dropped, Array, Resv1;
        public ulong UserAddr;
    }

    [StructLayout(LayoutKind.Sequential)]
    struct CqRingOffsets
    {
        public uint Head, Tail, RingMask, RingEntries, Overflow, Cqes, Flags, Resv1;
        public ulong UserAddr;
    }

    [StructLayout(LayoutKind.Sequential)]
    struct Params
    {
        public uint SqEntries, CqEntries, Flags, SqThreadCpu, SqThreadIdle, Features, WqFd;
        public fixed uint Resv[3];
        public SqRingOffsets SqOff;
        public CqRingOffsets CqOff;
    }

    [StructLayout(LayoutKind.Explicit, Size = 64)]
    struct Sqe
    {
        [FieldOffset(0)] public byte Opcode;
        [FieldOffset(1)] public byte Flags;
        [FieldOffset(2)] public ushort IoPrio;
        [FieldOffset(4)] public int Fd;
        [FieldOffset(8)] public ulong Off;
        [FieldOffset(16)] public ulong Addr;
        [FieldOffset(24)] public uint Len;
        [FieldOffset(28)] public int MsgFlags;
        [FieldOffset(32)] public ulong UserData;
    }

    [StructLayout(LayoutKind.Sequential)]
    struct Cqe
    {
        public ulong UserData;
        public int Res;
        public uint Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    struct ProbeOp
    {
        public byte Op, Resv;
        public ushort Flags;
        public uint Resv2;
    }

    // glibc's soname, not "libc": the bare name resolves only where the development files are installed.
    const string Libc = "libc.so.6";

    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    [LibraryImport(Libc, EntryPoint = "mmap", SetLastError = true)]
    private static partial nint MMap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Libc, EntryPoint = "munmap")]
    private static partial int MUnmap(nint address, nuint length);

    [LibraryImport(Libc, EntryPoint = "close")]
    private static partial int Close(int fd);
}
