using BrokerGateway.Grpc.Health;

namespace BrokerGateway.Grpc.Tests.Unit;

public class HealthStatusProviderTests
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public void The_whole_server_starts_serving_and_other_names_are_unknown()
    {
        var provider = new HealthStatusProvider();
        Assert.Equal(ServingStatus.Serving, provider.Get(""));
        Assert.Null(provider.Get("nope"));
    }

    [Fact]
    public async Task A_watcher_gets_the_current_status_then_each_change()
    {
        var provider = new HealthStatusProvider();
        var name = Unique.Name("svc");
        using var watch = provider.Watch(name, out var reader);
        Assert.Equal(ServingStatus.ServiceUnknown, await reader.ReadAsync().AsTask().WaitAsync(Timeout));
        provider.Set(name, ServingStatus.Serving);
        Assert.Equal(ServingStatus.Serving, await reader.ReadAsync().AsTask().WaitAsync(Timeout));
        provider.Set(name, ServingStatus.NotServing);
        Assert.Equal(ServingStatus.NotServing, await reader.ReadAsync().AsTask().WaitAsync(Timeout));
        provider.Clear(name);
        Assert.Equal(ServingStatus.ServiceUnknown, await reader.ReadAsync().AsTask().WaitAsync(Timeout));
    }

    [Fact]
    public async Task A_slow_watcher_sees_the_latest_status_not_a_backlog()
    {
        var provider = new HealthStatusProvider();
        using var watch = provider.Watch("", out var reader);
        provider.Set("", ServingStatus.NotServing);
        provider.Set("", ServingStatus.Serving);
        provider.Set("", ServingStatus.NotServing);
        Assert.Equal(ServingStatus.NotServing, await reader.ReadAsync().AsTask().WaitAsync(Timeout));
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void After_the_terminal_state_nothing_serves_again()
    {
        var provider = new HealthStatusProvider();
        provider.Set("a", ServingStatus.Serving);
        provider.EnterTerminalState();
        provider.Set("a", ServingStatus.Serving);
        Assert.Equal(ServingStatus.NotServing, provider.Get("a"));
        Assert.Equal(ServingStatus.NotServing, provider.Get(""));
    }

    [Fact]
    public void Service_unknown_cannot_be_set() =>
        Assert.Throws<ArgumentException>(() => new HealthStatusProvider().Set("x", ServingStatus.ServiceUnknown));
}
