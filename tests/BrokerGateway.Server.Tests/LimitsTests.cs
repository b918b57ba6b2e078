using System.Globalization;
using System.Text;
using BrokerGateway.Server.Hosting;
using System.Net.WebSockets;
using BrokerGateway.Core.Addressing;

namespace BrokerGateway.Server.Tests;

/// <summary>Limits a production gateway enforces, each with the answer or close code a client can act on.</summary>
public sealed class LimitsTests
{
    static Task<TestGateway> StartAsync(Func<ServerSettings, ServerSettings> adjust) =>
        TestGateway.StartAsync(adjust(TestGateway.DefaultSettings()));

    /// <summary>
    /// Big pushes go from the socket's own loop; small ones are written in batches (io_uring) until the
    /// kernel has no room, and the rest then waits for the socket: both must drop the slow client only.
    /// </summary>
    [Theory]
    [InlineData(32 * 1024, true)]
    [InlineData(2 * 1024, true)]
    [InlineData(2 * 1024, false)]
    public async Task SlowConsumer_IsClosedWith4002_AndSlowsNobodyElse(int payloadBytes, bool ioUring)
    {
        await using var gateway = await StartAsync(s => s with { IoUring = ioUring, Gateway = s.Gateway with { SendQueueLimit = 32 } });
        var room = Unique.Name("room");
        await using var fast = await TestClient.ConnectAsync(gateway.PublicPort, Tokens.Hs256("fast", rooms: [room]));
        // A client that never reads: its TCP buffers fill, then its send queue, then the gateway drops it.
        using var slow = new ClientWebSocket();
        await slow.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.PublicPort}/v1/ws?token={Tokens.Hs256("slow", rooms: [room])}"), CancellationToken.None).WaitAsync(TestClient.Timeout);
        await Eventually.TrueAsync(() => gateway.Node.Groups.CountMembers(Target.Room("default", room)) == 2);

        var payload = new byte[payloadBytes];
        Array.Fill(payload, (byte)'x');
        var pushes = 25 * 1024 * 1024 / payloadBytes; // 25 MiB: more than loopback buffers hold
        var received = 0;
        var reading = Task.Run(async () =>
        {
            while (received < pushes) { await fast.NextAsync("push"); Interlocked.Increment(ref received); }
        });
        for (var i = 0; i < pushes; i++)
        {
            // Paced to the fast reader (at most 16 ahead): only a client that does not read falls behind.
            await Eventually.TrueAsync(() => Volatile.Read(ref received) >= i - 16, TimeSpan.FromSeconds(10));
            await gateway.Node.PublishAsync(Target.Room("default", room), payload, contentType: "text/plain");
        }

        await reading.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(pushes, received);
        await Eventually.TrueAsync(() => gateway.Node.ConnectionCount == 1, TimeSpan.FromSeconds(15), "the slow client is dropped");
        Assert.True(gateway.Node.Refused > 0);
    }

    [Fact]
    public async Task AClientThatStopsReadingForAWhile_GetsEveryPush_InOrder_OnceItReadsAgain()
    {
        await using var gateway = await StartAsync(s => s);
        var room = Unique.Name("room");
        using var paused = new ClientWebSocket();
        await paused.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.PublicPort}/v1/ws?token={Tokens.Hs256("paused", rooms: [room])}"), CancellationToken.None).WaitAsync(TestClient.Timeout);
        await Eventually.TrueAsync(() => gateway.Node.Groups.CountMembers(Target.Room("default", room)) == 1);

        // 19 MiB: more than the loopback buffers hold (the gateway's writes find them full and wait for room),
        // less than the send queue (1,024 pushes by default), so nothing is refused.
        const int pushes = 600;
        for (var i = 0; i < pushes; i++)
        {
            var payload = Encoding.ASCII.GetBytes(i.ToString("D6", CultureInfo.InvariantCulture).PadRight(32 * 1024, 'x'));
            await gateway.Node.PublishAsync(Target.Room("default", room), payload, contentType: "text/plain");
        }
        await Eventually.TrueAsync(() => gateway.Node.Delivered >= pushes, TimeSpan.FromSeconds(15), "every push queued");

        var next = 0;
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (next < pushes)
        {
            message.SetLength(0);
            WebSocketReceiveResult result;
            do
            {
                result = await paused.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TestClient.Timeout);
                message.Write(buffer, 0, result.Count);
            } while (!result.EndOfMessage);
            var frame = JsonNode.Parse(message.ToArray())!;
            if ((string?)frame["type"] != "push") continue;
            Assert.StartsWith(next.ToString("D6", CultureInfo.InvariantCulture), (string?)frame["data"]);
            next++;
        }
        Assert.Equal(0, gateway.Node.Refused);
        Assert.Equal(1, gateway.Node.ConnectionCount);
    }

    [Fact]
    public async Task AtTheFileLimit_TheReplicaKeepsListening_AndServesOnceItHasDescriptorsAgain()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "BrokerGateway.Server.dll");
        await using var replica = await GatewayProcess.StartAsync(dll, new Dictionary<string, string> { ["BGW_JWT_SECRET"] = Tokens.Secret },
            logPath: null, TimeSpan.FromSeconds(30), CancellationToken.None);
        var original = SoftFileLimit(replica.Pid);

        // Room for a few more descriptors: past them, accepting fails (EMFILE) and clients wait in the backlog.
        SetSoftFileLimit(replica.Pid, Directory.GetFileSystemEntries($"/proc/{replica.Pid}/fd").Length + 10);
        var attempts = await Task.WhenAll(Enumerable.Range(0, 30).Select(async i =>
        {
            try
            {
                return await TestClient.ConnectAsync(replica.PublicPort, Tokens.Hs256($"crowd{i}")).WaitAsync(TimeSpan.FromSeconds(3));
            }
            catch (TimeoutException)
            {
                // Still in the backlog. A client taken and then cut short (say, its session's code failed to
                // load for want of a descriptor) would throw something else and fail the test.
                return null;
            }
        }));
        Assert.Contains(attempts, a => a is null); // the limit was reached
        foreach (var client in attempts) if (client is not null) await client.DisposeAsync();

        SetSoftFileLimit(replica.Pid, original);
        await using var late = await TestClient.ConnectAsync(replica.PublicPort, Tokens.Hs256("late"));
        Assert.Equal("late", (string?)late.Welcome!["uid"]);
    }

    static int SoftFileLimit(int pid) =>
        int.Parse(File.ReadAllLines($"/proc/{pid}/limits").First(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], CultureInfo.InvariantCulture);

    static void SetSoftFileLimit(int pid, int soft)
    {
        using var prlimit = System.Diagnostics.Process.Start("prlimit", $"--pid {pid} --nofile={soft}:")!;
        Assert.True(prlimit.WaitForExit(10_000) && prlimit.ExitCode == 0, "prlimit failed");
    }

    [Fact]
    public async Task ConnectionsPerUser_PastTheLimit_CloseWith4059()
    {
        await using var gateway = await StartAsync(s => s with { Gateway = s.Gateway with { MaxConnectionsPerUser = 2 } });
        await using var first = await TestClient.ConnectAsync(gateway.PublicPort, Tokens.Hs256("greedy"));
        await using var second = await TestClient.ConnectAsync(gateway.PublicPort, Tokens.Hs256("greedy"));
        await using var third = await TestClient.ConnectAsync(gateway.PublicPort, Tokens.Hs256("greedy"), expectWelcome: false);
        Assert.Equal(4059, (await third.ClosedAsync()).Code);
    }

    [Fact]
    public async Task JoinsPastTheLimit_AnswerLimitExceeded()
    {
        await using var gateway = await StartAsync(s => s with { Gateway = s.Gateway with { MaxRoomsPerConnection = 2 } });
        await using var client = await TestClient.ConnectAsync(gateway.PublicPort, Tokens.Hs256("joiner"));
        await client.JoinAsync("r1");
        await client.JoinAsync("r2");
        var third = await client.JoinAsync("r3");
        Assert.Equal("limit_exceeded", (string?)third["error"]!["code"]);
    }

    [Fact]
    public async Task Flooding_PastTheRate_ClosesWith4003()
    {
        await using var gateway = await StartAsync(s => s with { Limits = s.Limits with { MessagesPerSecond = 5, MessagesBurst = 10 } });
        await using var client = await TestClient.ConnectAsync(gateway.PublicPort, Tokens.Hs256("flood"));
        for (var i = 0; i < 50; i++)
        {
            try { await client.SendAsync(new JsonObject { ["type"] = "ping" }); }
            catch (Exception) { break; } // closed under us: that is the point
        }
        Assert.Equal(4003, (await client.ClosedAsync()).Code);
    }
}
