using System.Net.WebSockets;
using System.Text;

namespace BrokerGateway.Server.Tests;

/// <summary>
/// Clients that send what the protocol allows but the cluster cannot hold, or frames that are no text: each
/// gets its answer or its documented close code, and nothing it sends reaches the replica's other work.
/// </summary>
public sealed class HostileClientTests : IAsyncLifetime
{
    TestGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await TestGateway.StartAsync();
    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    int Port => _gateway.PublicPort;

    static long Exp => DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();

    [Fact]
    public async Task AGuestNamingNoNamespace_IsInTheDefaultOne()
    {
        await using var guest = await GuestAsync("&nsp=");
        Assert.Equal("default", (string?)(await guest.NextAsync("welcome"))["nsp"]);
        await _gateway.Node.MaintainPresenceAsync(); // the replica's presence upkeep is unharmed
    }

    [Fact]
    public async Task IdsPresenceCannotHold_AreRefusedAtTheDoor_AndPresenceUpkeepGoesOn()
    {
        await using var guest = await GuestAsync("&nsp=" + new string('n', 5000));
        Assert.Equal(4055, (await guest.ClosedAsync()).Code);

        var longSub = await TestClient.ConnectAsync(Port, Tokens.Hs256(new string('u', 5000)), expectWelcome: false);
        Assert.Equal(4053, (await longSub.ClosedAsync()).Code);
        var emptyRoom = await TestClient.ConnectAsync(Port, Tokens.Hs256("u", rooms: [""]), expectWelcome: false);
        Assert.Equal(4053, (await emptyRoom.ClosedAsync()).Code);
        foreach (var claim in new[] { "\"rooms\":[\"\\ud800\"]", "\"topics\":\"\\udc00\"", "\"info\":{\"k\":\"\\ud800\"}" })
        {
            await using var halfPair = await TestClient.ConnectAsync(Port, Tokens.Hs256Raw($"{{\"sub\":\"u\",\"exp\":{Exp},{claim}}}"), expectWelcome: false);
            Assert.Equal(4053, (await halfPair.ClosedAsync()).Code);
        }

        await _gateway.Node.MaintainPresenceAsync();
        Assert.Equal(0, _gateway.Node.ConnectionCount);
        await longSub.DisposeAsync();
        await emptyRoom.DisposeAsync();
    }

    [Fact]
    public async Task AUser_CannotPickANamespaceInTheUrl_ItsTokenDecides()
    {
        await using var user = await TestClient.ConnectAsync(Port, Tokens.Hs256("tenant-a"), query: "&nsp=tenant-b");
        Assert.Equal("default", (string?)user.Welcome!["nsp"]);
        await using var scoped = await TestClient.ConnectAsync(Port, Tokens.Hs256("tenant-a", nsp: "a"), query: "&nsp=tenant-b");
        Assert.Equal("a", (string?)scoped.Welcome!["nsp"]);
    }

    [Fact]
    public async Task AFieldOfTheWrongType_IsABadRequest_AnsweredWithItsId()
    {
        await using var client = await TestClient.ConnectAsync(Port, Tokens.Hs256("typed"));
        await client.SendRawAsync(Encoding.UTF8.GetBytes("{\"type\":\"join\",\"room\":5,\"id\":\"j1\"}"));
        var reply = await client.NextAsync("reply");
        Assert.Equal("j1", (string?)reply["id"]);
        Assert.Equal("bad_request", (string?)reply["error"]!["code"]);
        await client.DrainUntilPongAsync();

        // In the auth frame, a token that is not a string is no token: it does not make a guest.
        Assert.Equal(4053, await FirstFrameClosesAsync(Encoding.UTF8.GetBytes("{\"type\":\"auth\",\"token\":5}"), WebSocketMessageType.Text));
    }

    [Fact]
    public async Task RequestsWhoseDataIsNoText_GetBadRequest_AndTheClientStays()
    {
        await using var client = await TestClient.ConnectAsync(Port, Tokens.Hs256("sender", rooms: ["hall"]));
        string[] frames =
        [
            """{"type":"publish","room":"hall","data":"%%","enc":"base64","id":1}""",
            """{"type":"send","data":"\ud800","id":2}""",
            """{"type":"rpc","method":"m","data":"%%","enc":"base64","id":3}""",
            """{"type":"presence","room":"hall","cursor":"!!!","id":4}""",
        ];
        foreach (var frame in frames)
        {
            await client.SendRawAsync(Encoding.UTF8.GetBytes(frame));
            var reply = await client.NextAsync("reply");
            Assert.Equal("bad_request", (string?)reply["error"]?["code"]);
        }
        await client.DrainUntilPongAsync();
        Assert.Equal(1, _gateway.Node.ConnectionCount);
    }

    [Fact]
    public async Task TheAuthFrame_IsHeldToTheRulesOfEveryOtherFrame()
    {
        Assert.Equal(4060, await FirstFrameClosesAsync(Encoding.UTF8.GetBytes("""{"type":"auth"}"""), WebSocketMessageType.Binary));
        Assert.Equal(1007, await FirstFrameClosesAsync([0x7B, 0xC3, 0x28, 0x7D], WebSocketMessageType.Text));

        // Up to the message limit (64 KiB), as any frame.
        await using var padded = await TestClient.ConnectAsync(Port, expectWelcome: false);
        var token = Tokens.Hs256("padded");
        await padded.SendRawAsync(Encoding.UTF8.GetBytes($$"""{"type":"auth","token":"{{token}}","pad":"{{new string('p', 20_000)}}"}"""));
        Assert.Equal("padded", (string?)(await padded.NextAsync("welcome"))["uid"]);
    }

    /// <summary>A client that asks to be a guest (an auth frame without a token).</summary>
    async Task<TestClient> GuestAsync(string query)
    {
        var guest = await TestClient.ConnectAsync(Port, query: query, expectWelcome: false);
        await guest.SendRawAsync("{\"type\":\"auth\"}"u8.ToArray());
        return guest;
    }

    async Task<int?> FirstFrameClosesAsync(byte[] bytes, WebSocketMessageType type)
    {
        await using var client = await TestClient.ConnectAsync(Port, expectWelcome: false);
        await client.SendRawAsync(bytes, type);
        return (await client.ClosedAsync()).Code;
    }
}
