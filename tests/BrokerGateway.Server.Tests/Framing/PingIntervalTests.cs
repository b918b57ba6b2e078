using System.Diagnostics;
using System.Text.Json.Nodes;
using BrokerGateway.Server.Tests.Framing.Support;
using BrokerGateway.Server.Transport.Framed;

namespace BrokerGateway.Server.Tests.Framing;

/// <summary>The keepalive interval an operator sets (<c>BGW_PING_INTERVAL_MS</c>) is the one clients are told and pinged by.</summary>
public sealed class PingIntervalTests
{
    [Fact]
    public async Task TheIntervalSet_IsAnnouncedInWelcome_AndASilentClientIsPingedByIt()
    {
        await using var gateway = await TestGateway.StartAsync(() => TestGateway.DefaultSettings() with
        {
            Limits = new() { PingInterval = TimeSpan.FromMilliseconds(1500) },
        });
        var port = gateway.PublicPort;
        await using var raw = await RawConnection.ConnectAsync(port);
        await raw.SendAsync(RawConnection.Upgrade("/v1/ws?token=" + Uri.EscapeDataString(Tokens.Hs256("quiet")), port));
        Assert.Equal(101, (await raw.ReadResponseAsync()).Status);
        var welcome = JsonNode.Parse((await raw.NextFrameAsync()).Text)!;
        Assert.Equal(1500, (int)welcome["ping_interval_ms"]!);

        // Silent since its upgrade: pinged after the interval plus up to half of it (and a sweep tick), long
        // before the 25 s default; the welcome took part of the interval already.
        var silentSince = Stopwatch.StartNew();
        var frame = await raw.NextFrameAsync();
        Assert.Equal(Opcode.Ping, frame.Opcode);
        Assert.InRange(silentSince.Elapsed, TimeSpan.FromMilliseconds(1000), TimeSpan.FromSeconds(8));
    }
}
