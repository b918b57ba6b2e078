using System.Net;
using System.Net.Sockets;
using System.Text;
using BrokerGateway.Core.Connections;
using BrokerGateway.Server.Tests.Framing.Support;
using BrokerGateway.Server.Transport.Framed;
using BrokerGateway.Server.Transport.Linux;

namespace BrokerGateway.Server.Tests.Framing;

/// <summary>
/// Batched sends through io_uring on real loopback sockets: every byte arrives, in order, on the right
/// socket; what the kernel has no room for is sent later, still in order; a dead connection fails alone.
/// These need io_uring (Linux 5.18 or later, not refused by a seccomp profile), as the gateway's default does.
/// </summary>
public sealed class RingSenderTests : IDisposable
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    readonly RingSender _rings = RingSender.TryCreate(out var unavailable) ?? throw new InvalidOperationException($"io_uring is unavailable here: {unavailable}");
    readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    readonly List<IDisposable> _owned = [];

    public RingSenderTests()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
    }

    public void Dispose()
    {
        foreach (var d in _owned) d.Dispose();
        _listener.Dispose();
        _rings.Dispose();
    }

    /// <summary>A framed server socket on a bare loopback connection, its queue attached to the rings, and the client end.</summary>
    sealed record Pair(FramedClientSocket Server, OutboundQueue Queue, Socket Accepted, Socket Client, TaskCompletionSource Aborted);

    async Task<Pair> ConnectAsync(int queueLimit = 1024, int? clientReceiveBuffer = null)
    {
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (clientReceiveBuffer is { } size) client.ReceiveBufferSize = size;
        await client.ConnectAsync(_listener.LocalEndPoint!);
        var accepted = await _listener.AcceptAsync();
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = new SocketStream(accepted);
        var server = new FramedClientSocket(stream, stream, () => { aborted.TrySetResult(); accepted.Dispose(); }, sweeper: null, _rings);
        var queue = new OutboundQueue(queueLimit);
        server.AttachBatchSends(queue);
        _owned.Add(client);
        _owned.Add(accepted);
        _owned.Add(server);
        return new Pair(server, queue, accepted, client, aborted);
    }

    static OutboundFrame Text(string text) => new(Encoding.UTF8.GetBytes(text));

    static async Task<List<ServerFrame>> ReadFramesAsync(Socket client, int count)
    {
        var frames = new List<ServerFrame>();
        var buffer = new byte[256 * 1024];
        var held = 0;
        using var cts = new CancellationTokenSource(Timeout);
        while (frames.Count < count)
        {
            var n = await client.ReceiveAsync(buffer.AsMemory(held), SocketFlags.None, cts.Token);
            Assert.True(n > 0, "the connection ended early");
            held += n;
            var at = 0;
            while (ServerFrame.TryRead(buffer.AsSpan(at, held - at), out var used) is { } frame)
            {
                frames.Add(frame);
                at += used;
            }
            buffer.AsSpan(at, held - at).CopyTo(buffer);
            held -= at;
        }
        return frames;
    }

    /// <summary>The session's send loop, as SocketSession runs it: what a batch leaves over goes this way.</summary>
    static async Task SendLoopAsync(Pair pair)
    {
        var frames = new OutboundFrame[64];
        while (await pair.Queue.WaitToReadAsync())
        {
            var count = pair.Queue.TryRead(frames);
            await pair.Server.SendAsync(frames.AsMemory(0, count), CancellationToken.None);
        }
    }

    [Fact]
    public async Task APushToManySockets_ArrivesWholeAndInOrder_WithoutWakingTheirLoops()
    {
        // More sockets than one submission carries, and frames of several header sizes.
        var pairs = new List<Pair>();
        for (var i = 0; i < 300; i++) pairs.Add(await ConnectAsync());
        var waits = pairs.Select(p => p.Queue.WaitToReadAsync()).ToArray();
        var big = new string('b', 300);

        using (OutboundBatch.Begin())
        {
            for (var i = 0; i < pairs.Count; i++)
            {
                pairs[i].Queue.TryWrite(Text($"first {i}"));
                pairs[i].Queue.TryWrite(Text($"{big} {i}"));
                pairs[i].Queue.TryWrite(new OutboundFrame(new byte[] { 1, 2, (byte)i }, IsText: false));
            }
        }

        Assert.All(waits, w => Assert.False(w.IsCompleted)); // sent by the batch: no loop was woken
        for (var i = 0; i < pairs.Count; i++)
        {
            var frames = await ReadFramesAsync(pairs[i].Client, 3);
            Assert.Equal([$"first {i}", $"{big} {i}"], frames.Take(2).Select(f => f.Text));
            Assert.Equal(Opcode.Binary, frames[2].Opcode);
            Assert.Equal(new byte[] { 1, 2, (byte)i }, frames[2].Payload);
            Assert.Equal(0, pairs[i].Client.Available); // nothing else, nothing twice
        }
    }

    [Fact]
    public async Task AClientThatStopsReading_GetsTheRestWhenItReadsAgain_InOrder()
    {
        var pair = await ConnectAsync(queueLimit: 100_000, clientReceiveBuffer: 4096);
        var loop = SendLoopAsync(pair);
        var payload = new string('p', 2000);
        const int count = 3000; // ~6 MB: far more than the socket buffers hold, so sends come back short or refused
        for (var i = 0; i < count; i++)
        {
            // Each push its own batch, as fan-outs are: some find the loop idle and are claimed, some find it busy.
            using (OutboundBatch.Begin()) Assert.True(pair.Queue.TryWrite(Text($"{i:D6}{payload}")));
        }

        var frames = await ReadFramesAsync(pair.Client, count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"{i:D6}"), frames.Select(f => f.Text[..6]));
        Assert.All(frames, f => Assert.Equal(2006, f.Payload.Length));

        pair.Queue.Complete();
        await loop.WaitAsync(Timeout);
        Assert.False(pair.Aborted.Task.IsCompleted);
    }

    [Fact]
    public async Task ASendOnAConnectionThePeerReset_AbortsThatSocketOnly()
    {
        var dead = await ConnectAsync();
        var alive = await ConnectAsync();
        var deadWait = dead.Queue.WaitToReadAsync();
        var aliveWait = alive.Queue.WaitToReadAsync();
        dead.Client.LingerState = new LingerOption(true, 0);
        dead.Client.Close(); // a reset: the server's next send fails
        await Eventually.TrueAsync(() => dead.Accepted.Poll(0, SelectMode.SelectRead), Timeout); // the reset has arrived

        using (OutboundBatch.Begin())
        {
            dead.Queue.TryWrite(Text("to the dead"));
            alive.Queue.TryWrite(Text("to the living"));
        }

        await dead.Aborted.Task.WaitAsync(Timeout);
        Assert.False(dead.Server.CanSend);
        Assert.Equal("to the living", (await ReadFramesAsync(alive.Client, 1))[0].Text);
        Assert.False(alive.Aborted.Task.IsCompleted);
        Assert.False(aliveWait.IsCompleted);
        Assert.False(deadWait.IsCompleted); // nothing left for its loop: the session ends by the abort
    }

    [Fact]
    public async Task TheRing_ReportsEachSendOnItsOwn()
    {
        using var ring = SendRing.TryCreate(8, out var unavailable) ?? throw new InvalidOperationException(unavailable);
        var a = await ConnectAsync();
        var b = await ConnectAsync();
        const int NoDescriptor = -1; // never open: a closed one's number could be reused by a socket of another test
        var fdA = (int)a.Accepted.Handle;
        var fdB = (int)b.Accepted.Handle;

        var bytes = "abcdef"u8.ToArray();
        var results = new int[8];
        unsafe
        {
            fixed (byte* p = bytes)
            {
                Assert.Equal(0, ring.QueueSend(fdA, p, 6));
                Assert.Equal(1, ring.QueueSend(NoDescriptor, p, 6));
                Assert.Equal(2, ring.QueueSend(fdB, p + 2, 4));
                ring.Submit(results);
            }
        }

        Assert.Equal(6, results[0]);
        Assert.Equal(-9, results[1]); // EBADF, for that send alone
        Assert.Equal(4, results[2]);
        Assert.False(ring.Broken);
        Assert.Equal(0, ring.Queued);
        var got = new byte[6];
        Assert.Equal(6, await a.Client.ReceiveAsync(got));
        Assert.Equal("abcdef", Encoding.ASCII.GetString(got));
        Assert.Equal(4, await b.Client.ReceiveAsync(got));
        Assert.Equal("cdef", Encoding.ASCII.GetString(got, 0, 4));
    }
}
