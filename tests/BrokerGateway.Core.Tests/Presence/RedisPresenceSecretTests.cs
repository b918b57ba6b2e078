using BrokerGateway.Core.Presence;
using BrokerGateway.Presence.Redis;

namespace BrokerGateway.Core.Tests.Presence;

/// <summary>
/// The Redis configuration string may hold a password; the store's errors, which replicas log, name the
/// endpoints only. No server needed: nothing listens on the port.
/// </summary>
public sealed class RedisPresenceSecretTests
{
    [Fact]
    public async Task ACallWhileRedisIsUnreachable_NamesTheEndpoint_NotThePassword()
    {
        var port = FreePort.Next();
        await using var store = await RedisPresenceStore.ConnectAsync(new RedisPresenceOptions
        {
            Configuration = $"127.0.0.1:{port},password=hunter2",
            ConnectTimeout = TimeSpan.FromMilliseconds(500),
            OperationTimeout = TimeSpan.FromMilliseconds(500),
        }).WaitAsync(TimeSpan.FromSeconds(20));
        var e = await Assert.ThrowsAsync<PresenceStoreUnavailableException>(() =>
            store.RenewLeaseAsync(new NodeInfo(Unique.Name("node"), "here", 0, DateTimeOffset.UtcNow), TimeSpan.FromSeconds(5)).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains($"127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnreadableConfiguration_IsRefused_WithoutEchoingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => new RedisPresenceOptions { Configuration = "127.0.0.1:99999,password=hunter2" }.Validate());
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
    }
}
