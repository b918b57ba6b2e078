using BrokerGateway.Core.Connections;
using BrokerGateway.Server.Protocol.Native;
using BrokerGateway.Server.Tests.Framing.Support;
using BrokerGateway.Server.Transport;
using BrokerGateway.Server.Transport.Framed;

namespace BrokerGateway.Server.Tests.Framing;

/// <summary>One sweeper pings silent sockets and expires the ones that never answer.</summary>
public sealed class KeepAliveTests
{
    static readonly TimeSpan Timeout = MemoryTransport.Timeout;

    [Fact]
    public async Task SilentClient_IsPinged_ThenClosedAsStale_ThenAborted_OnTheSweepersOwnTimer()
    {
        var sweeper = new KeepAliveSweeper(TimeSpan.FromMilliseconds(100));
        var client = new MemoryTransport();
        using var socket = client.CreateSocket(sweeper);

        Assert.Equal(Opcode.Ping, (await client.NextFrameAsync()).Opcode);
        var close = await client.NextFrameAsync();
        Assert.Equal(Opcode.Close, close.Opcode);
        Assert.Equal(4004, close.CloseCode);
        Assert.False(socket.CanSend);
        await Eventually.TrueAsync(() => client.Aborted, Timeout);
        Assert.Equal(0, sweeper.Count);
    }

    [Fact]
    public async Task ClientThatAnswersEveryPing_StaysOpen()
    {
        var clock = new ManualClock();
        var sweeper = new KeepAliveSweeper(TimeSpan.FromSeconds(10), clock, spread: 0);
        var client = new MemoryTransport();
        using var socket = client.CreateSocket(sweeper);
        var reading = socket.ReceiveAsync(1024, CancellationToken.None).AsTask();

        for (var i = 0; i < 5; i++)
        {
            clock.Advance(10_000);
            sweeper.Sweep();
            Assert.Equal(Opcode.Ping, (await client.NextFrameAsync()).Opcode);
            clock.Advance(9_000);
            var answeredAt = sweeper.Now;
            await client.SendAsync(ClientFrames.Pong());
            await Eventually.TrueAsync(() => socket.LastReceived == answeredAt, Timeout);
            sweeper.Sweep(); // 19 s silent before the pong, none after: nothing to do
            Assert.True(client.NothingWritten());
        }
        Assert.True(socket.CanSend);
        Assert.False(client.Aborted);
        Assert.False(reading.IsCompleted);
        socket.Abort();
    }

    [Fact]
    public async Task LateTick_PingsFirst_AndClosesOnlyAfterThePingHadAnIntervalToBeAnswered()
    {
        var clock = new ManualClock();
        var sweeper = new KeepAliveSweeper(TimeSpan.FromSeconds(10), clock, spread: 0);
        var client = new MemoryTransport();
        using var socket = client.CreateSocket(sweeper);

        clock.Advance(60_000); // far past both deadlines
        sweeper.Sweep();
        Assert.Equal(Opcode.Ping, (await client.NextFrameAsync()).Opcode);
        clock.Advance(9_999);
        sweeper.Sweep();
        Assert.True(client.NothingWritten());
        clock.Advance(1);
        sweeper.Sweep();
        Assert.Equal(4004, (await client.NextFrameAsync()).CloseCode);
        sweeper.Sweep();
        Assert.True(client.Aborted);
    }

    [Fact]
    public async Task ASessionWhoseClientWentSilent_EndsWith4004_NotAsLost()
    {
        var clock = new ManualClock();
        var sweeper = new KeepAliveSweeper(TimeSpan.FromSeconds(10), clock, spread: 0);
        var client = new MemoryTransport();
        using var socket = client.CreateSocket(sweeper);
        var connection = new ClientConnection("c-silent", "default", "silent", "n1", NativeDialect.Instance, sendQueueLimit: 16);
        var session = SocketSession.RunAsync(socket, connection, 1024, _ => ValueTask.FromResult<int?>(null), CancellationToken.None);

        clock.Advance(10_000);
        sweeper.Sweep(); // ping
        clock.Advance(10_000);
        sweeper.Sweep(); // 4004
        Assert.Equal(Opcode.Ping, (await client.NextFrameAsync()).Opcode);
        Assert.Equal(4004, (await client.NextFrameAsync()).CloseCode);
        sweeper.Sweep(); // no answer: cut off

        Assert.Equal(CloseCodes.Stale, await session.WaitAsync(Timeout));
        Assert.True(client.Aborted);
    }

    [Fact]
    public async Task ClientClosingGracefullyInTime_IsNotAborted()
    {
        var clock = new ManualClock();
        var sweeper = new KeepAliveSweeper(TimeSpan.FromSeconds(10), clock, spread: 0);
        var client = new MemoryTransport();
        using var socket = client.CreateSocket(sweeper);

        clock.Advance(10_000);
        sweeper.Sweep();
        await client.NextFrameAsync(); // ping
        await client.SendAsync(ClientFrames.Close(1000));
        Assert.Equal(Transport.InboundStatus.Closed, (await socket.ReceiveAsync(1024, CancellationToken.None).AsTask().WaitAsync(Timeout)).Status);
        Assert.Equal(1000, (await client.NextFrameAsync()).CloseCode);
        socket.Abort();
        Assert.False(client.Aborted);
        Assert.Equal(0, sweeper.Count);
    }

    [Fact]
    public void DisposedSockets_LeaveTheSweeper()
    {
        var sweeper = new KeepAliveSweeper(TimeSpan.FromMinutes(1));
        var sockets = Enumerable.Range(0, 100).Select(_ => new MemoryTransport().CreateSocket(sweeper)).ToList();
        Assert.Equal(100, sweeper.Count);
        foreach (var socket in sockets.Where((_, i) => i % 2 == 0)) socket.Dispose();
        Assert.Equal(50, sweeper.Count);
        foreach (var socket in sockets) socket.Dispose();
        Assert.Equal(0, sweeper.Count);
    }

    [Fact]
    public async Task SocketsThatConnectedTogether_ArePingedOverHalfAnInterval_NotInOneTick()
    {
        var clock = new ManualClock();
        var sweeper = new KeepAliveSweeper(TimeSpan.FromSeconds(16), clock);
        var clients = Enumerable.Range(0, 200).Select(_ => new MemoryTransport()).ToArray();
        var sockets = clients.Select(c => c.CreateSocket(sweeper)).ToArray();
        try
        {
            clock.Advance(15_999);
            sweeper.Sweep();
            Assert.All(clients, c => Assert.True(c.NothingWritten()));

            var pingedPerTick = new List<int>();
            var pinged = new HashSet<MemoryTransport>();
            for (var tick = 0; tick <= 8; tick++) // ticks every second: half an interval, and one more
            {
                clock.Advance(1_000);
                sweeper.Sweep();
                var now = clients.Where(c => !pinged.Contains(c) && !c.NothingWritten()).ToArray();
                foreach (var c in now) Assert.Equal(Opcode.Ping, (await c.NextFrameAsync()).Opcode);
                pinged.UnionWith(now);
                pingedPerTick.Add(now.Length);
            }

            Assert.Equal(clients.Length, pinged.Count); // every socket, within half an interval more
            Assert.True(pingedPerTick.Max() <= clients.Length / 3, $"pings per tick: {string.Join(", ", pingedPerTick)}");
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
        }
    }
}
