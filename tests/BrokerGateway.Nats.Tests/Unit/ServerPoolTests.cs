using BrokerGateway.Nats.Internal;

namespace BrokerGateway.Nats.Tests.Unit;

public class ServerPoolTests
{
    [Theory]
    [InlineData("nats://127.0.0.1:4223", "127.0.0.1", 4223, null, null, null)]
    [InlineData("127.0.0.1:4224", "127.0.0.1", 4224, null, null, null)]
    [InlineData("localhost", "localhost", 4222, null, null, null)]
    [InlineData("nats://alice:s%40cret@host:1", "host", 1, "alice", "s@cret", null)]
    [InlineData("nats://tok123@host:2", "host", 2, null, null, "tok123")]
    [InlineData("[::1]:4225", "::1", 4225, null, null, null)]
    public void Urls_AreParsed(string url, string host, int port, string? user, string? password, string? token)
    {
        var address = ServerAddress.Parse(url);
        Assert.Equal((host, port, user, password, token), (address.Host, address.Port, address.User, address.Password, address.Token));
    }

    [Theory]
    [InlineData("tls://host:4222")]
    [InlineData("nats://host:4222/path")]
    [InlineData("")]
    [InlineData("nats://")]
    public void BadUrls_AreRejected(string url)
    {
        Assert.Throws<ArgumentException>(() => ServerAddress.Parse(url));
    }

    [Fact]
    public void ReconnectOrder_PutsTheCurrentServerLast()
    {
        var pool = new ServerPool([ServerAddress.Parse("a:1"), ServerAddress.Parse("b:2"), ServerAddress.Parse("c:3")]);
        Assert.Equal(["a:1", "b:2", "c:3"], pool.ReconnectOrder().Select(s => s.HostPort));
        pool.SetCurrent(ServerAddress.Parse("b:2"));
        Assert.Equal(["c:3", "a:1", "b:2"], pool.ReconnectOrder().Select(s => s.HostPort));
    }

    [Fact]
    public void Merge_AddsAnnouncedServers_WithTheCurrentCredentials_AndDropsUnannouncedImplicitOnes()
    {
        var seed = ServerAddress.Parse("nats://u:p@127.0.0.1:1");
        var pool = new ServerPool([seed]);
        pool.SetCurrent(seed);
        Assert.True(pool.Merge(["127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"]));
        var added = pool.Snapshot().Single(s => s.Port == 2);
        Assert.True(added.IsImplicit);
        Assert.Equal(("u", "p"), (added.User, added.Password));
        Assert.True(pool.Merge(["127.0.0.1:2"]));
        Assert.Equal([1, 2], pool.Snapshot().Select(s => s.Port));
        Assert.False(pool.Merge(["127.0.0.1:2"]));
    }

    [Fact]
    public void Merge_NeverDropsTheCurrentServer()
    {
        var pool = new ServerPool([ServerAddress.Parse("127.0.0.1:1")]);
        pool.Merge(["127.0.0.1:2"]);
        pool.SetCurrent(pool.Snapshot().Single(s => s.Port == 2));
        pool.Merge(["127.0.0.1:3"]);
        Assert.Equal([1, 2, 3], pool.Snapshot().Select(s => s.Port));
    }

    [Fact]
    public void ReconnectDelay_DoublesPerPass_IsCapped_AndAddsBoundedJitter()
    {
        var min = TimeSpan.FromMilliseconds(100);
        var max = TimeSpan.FromMilliseconds(1000);
        for (var i = 0; i < 50; i++)
        {
            var first = NatsConnection.ReconnectDelay(0, min, max);
            Assert.InRange(first.TotalMilliseconds, 100, 125);
            var third = NatsConnection.ReconnectDelay(2, min, max);
            Assert.InRange(third.TotalMilliseconds, 400, 500);
            var late = NatsConnection.ReconnectDelay(40, min, max);
            Assert.InRange(late.TotalMilliseconds, 1000, 1250);
        }
    }
}
