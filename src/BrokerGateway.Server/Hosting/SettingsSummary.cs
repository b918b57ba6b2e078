using System.Globalization;
using System.Net;
using BrokerGateway.Presence.Redis;

namespace BrokerGateway.Server.Hosting;

/// <summary>
/// What a replica logs about its settings at start: enough to tell two replicas' configurations apart, and
/// never a secret (the JWT secret, the API token, a NATS or Redis password are shown as set or not).
/// </summary>
static class SettingsSummary
{
    /// <summary>Variables of the same family that configure the tests and tools around the gateway, not a replica.</summary>
    static readonly HashSet<string> NotSettings = ["BGW_REQUIRE_SERVERS", "BGW_TEST_NATS", "BGW_TEST_REDIS", "BGW_INTEROP", "BGW_SENDCOUNT_LIB", "BGW_TOKEN"];

    /// <summary>The value appsettings.json ships with, for local use; a replica that serves others must not keep it.</summary>
    public const string DevelopmentSecret = "dev-secret-change-me-dev-secret-change-me";

    public static string Describe(ServerSettings s)
    {
        var nats = s.NatsUrl is null ? "memory"
            : string.Join(",", s.NatsUrl.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(ServerSettings.WithoutCredentials));
        var redis = s.Redis is null ? "memory" : new RedisPresenceOptions { Configuration = s.Redis }.Endpoints;
        var auth = s.Auth.Algorithm + (s.Auth.Issuer is null ? "" : ", issuer set") + (s.Auth.Audience is null ? "" : ", audience set");
        return string.Create(CultureInfo.InvariantCulture,
            $"bind {s.BindAddress}; NATS {nats}; Redis {redis}; prefix {s.Gateway.SubjectPrefix}; default namespace {s.Gateway.DefaultNamespace}; " +
            $"JWT {auth}; guests {s.Gateway.DefaultPolicy.AllowGuests}; client publish {s.Gateway.DefaultPolicy.ClientPublish}; " +
            $"API token {(s.ApiToken is null ? "none (API open)" : "set")}; events {s.EventFormat}; WebSocket {s.WebSocketStack}; io_uring {(s.IoUring ? "on" : "off")}; " +
            $"max message {s.Limits.MaxMessageBytes} B; {s.Limits.MessagesPerSecond} msg/s; send queue {s.Gateway.SendQueueLimit}; " +
            $"per user {s.Gateway.MaxConnectionsPerUser}; rooms per connection {s.Gateway.MaxRoomsPerConnection}; " +
            $"ping interval {s.Limits.PingInterval.TotalMilliseconds} ms; lease {s.Gateway.LeaseTtl.TotalMilliseconds} ms; drain notice {s.DrainNotice.TotalMilliseconds} ms, spread {s.DrainSpread.TotalMilliseconds} ms");
    }

    /// <summary>
    /// Settings that work but are likely mistakes: a replica open to anyone who can reach it, a cluster
    /// half on in-memory twins, a <c>BGW_</c> variable no setting reads (a misspelt name leaves its default),
    /// a setting's variable set but empty (an operator who sets one means something by it).
    /// </summary>
    /// <param name="environment">The process's environment variables, name and value.</param>
    public static IEnumerable<string> Warnings(ServerSettings s, IEnumerable<KeyValuePair<string, string?>> environment)
    {
        var variables = environment.Where(v => v.Key.StartsWith("BGW_", StringComparison.Ordinal)).OrderBy(v => v.Key, StringComparer.Ordinal).ToList();
        foreach (var (name, _) in variables.Where(v => !ServerSettings.EnvironmentVariables.ContainsKey(v.Key) && !NotSettings.Contains(v.Key)))
            yield return $"{name} is not a setting and is ignored (the README lists them)";
        // An empty value overrides appsettings.json and then reads as unset, so the built-in default wins
        // over the file too. The settings that take an empty value as given are refused by validation instead.
        foreach (var (name, value) in variables.Where(v => string.IsNullOrWhiteSpace(v.Value)
            && ServerSettings.EnvironmentVariables.TryGetValue(v.Key, out var key) && !ServerSettings.EmptyIsAValue.Contains(key)))
            yield return $"{name} is set but {(string.IsNullOrEmpty(value) ? "empty" : "blank")}: it counts as unset, so the built-in default applies, even over appsettings.json";
        if (s.NatsUrl is not null && s.Redis is null)
            yield return "BGW_NATS_URL is set but BGW_REDIS is not: presence, user limits and the sweep cover this replica only";
        if (s.NatsUrl is null && s.Redis is not null)
            yield return "BGW_REDIS is set but BGW_NATS_URL is not: this replica reaches only its own clients, and backends cannot reach it";
        if (s.Auth.Algorithm == "HS256" && s.Auth.Secret == DevelopmentSecret)
            yield return "BGW_JWT_SECRET is the development value shipped in appsettings.json: anyone can sign tokens for any user";
        if (s.ApiToken is null && !IPAddress.IsLoopback(IPAddress.Parse(s.BindAddress)))
            yield return $"BGW_API_TOKEN is not set and the replica listens on {s.BindAddress}: the gRPC API, /metrics and the engine API are open to anyone who can reach them";
    }
}
