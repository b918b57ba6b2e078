namespace BrokerGateway.Testing;

/// <summary>
/// One nats-server shared by a test class (xunit <c>IClassFixture</c>), or the one named by
/// <c>BGW_TEST_NATS</c>. Tests on a shared server keep apart with a unique subject prefix each.
/// </summary>
public sealed class NatsServerFixture : IAsyncLifetime
{
    ServerProcess? _server;
    public string Url { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (Servers.NatsSkipReason is not null) return;
        if (Servers.ExternalNatsUrl is { } url) { Url = url; return; }
        _server = await ServerProcess.StartNatsAsync();
        Url = _server.NatsUrl;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>One redis-server shared by a test class, or the one named by <c>BGW_TEST_REDIS</c>.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    ServerProcess? _server;
    public string Endpoint { get; private set; } = "";

    public async Task InitializeAsync()
    {
        if (Servers.RedisSkipReason is not null) return;
        if (Servers.ExternalRedis is { } endpoint) { Endpoint = endpoint; return; }
        _server = await ServerProcess.StartRedisAsync();
        Endpoint = _server.RedisEndpoint;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

/// <summary>Unique names per test, so tests sharing a server never see each other's traffic.</summary>
public static class Unique
{
    static int _counter;
    public static string Name(string stem = "t") =>
        $"{stem}{Environment.ProcessId:x}x{Interlocked.Increment(ref _counter)}x{Random.Shared.Next(0x10000):x}";
}

/// <summary>Waiting on a condition with a timeout: the only way a test waits.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan? timeout = null, string? because = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"condition not met in time{(because is null ? "" : ": " + because)}");
            await Task.Delay(10);
        }
    }

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? because = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"condition not met in time{(because is null ? "" : ": " + because)}");
            await Task.Delay(20);
        }
    }
}
