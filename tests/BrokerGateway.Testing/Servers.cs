namespace BrokerGateway.Testing;

/// <summary>
/// Where the real servers live, and whether a test may skip when one is missing.
/// With <c>BGW_REQUIRE_SERVERS=1</c> (CI) a missing server fails the test instead of skipping it.
/// The probe runs once per process and is cached.
/// </summary>
public static class Servers
{
    public static bool Required => Environment.GetEnvironmentVariable("BGW_REQUIRE_SERVERS") == "1";

    /// <summary>An already running NATS server to use for shared fixtures (CI service containers).</summary>
    public static string? ExternalNatsUrl => Environment.GetEnvironmentVariable("BGW_TEST_NATS");

    /// <summary>An already running Redis server (host:port) to use for shared fixtures.</summary>
    public static string? ExternalRedis => Environment.GetEnvironmentVariable("BGW_TEST_REDIS");

    static readonly Lazy<string?> NatsPath = new(() => Find("nats-server"));
    static readonly Lazy<string?> RedisPath = new(() => Find("redis-server"));

    public static string NatsServerBinary =>
        NatsPath.Value ?? throw new InvalidOperationException("nats-server not found on PATH or in /usr/sbin: apt-get install nats-server");

    public static string RedisServerBinary =>
        RedisPath.Value ?? throw new InvalidOperationException("redis-server not found on PATH or in /usr/bin: apt-get install redis-server");

    /// <summary>Why a test that needs nats-server should be skipped, or null to run it.</summary>
    public static string? NatsSkipReason => NatsPath.Value is null && !Required
        ? "nats-server is not installed (set BGW_REQUIRE_SERVERS=1 to fail instead)" : null;

    /// <summary>Why a test that needs redis-server should be skipped, or null to run it.</summary>
    public static string? RedisSkipReason => RedisPath.Value is null && !Required
        ? "redis-server is not installed (set BGW_REQUIRE_SERVERS=1 to fail instead)" : null;

    static string? Find(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"]);
        return dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }
}

/// <summary>A fact that needs a real nats-server: skipped when it is missing, unless servers are required.</summary>
public sealed class NatsFactAttribute : FactAttribute
{
    public NatsFactAttribute() { if (Servers.NatsSkipReason is { } reason) Skip = reason; }
}

/// <summary>A fact that needs a real redis-server: skipped when it is missing, unless servers are required.</summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute() { if (Servers.RedisSkipReason is { } reason) Skip = reason; }
}

/// <summary>A fact that needs both nats-server and redis-server.</summary>
public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute()
    {
        if ((Servers.NatsSkipReason ?? Servers.RedisSkipReason) is { } reason) Skip = reason;
    }
}
