using System.Net;
using System.Security.Cryptography;
using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Presence;
using BrokerGateway.Nats;
using BrokerGateway.Presence.Redis;
using BrokerGateway.Server.Auth;

namespace BrokerGateway.Server.Hosting;

public sealed partial record ServerSettings
{
    /// <summary>Configuration keys (under <c>Gateway</c>) that only appsettings.json sets: no environment variable carries a PEM.</summary>
    static readonly string[] FileOnlyKeys = ["Jwt:PublicKeyPem"];

    static readonly IReadOnlySet<string> KnownKeys = EnvironmentVariables.Values
        .Select(k => k["Gateway:".Length..]).Concat(FileOnlyKeys).ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>BGW_SEND_QUEUE (Gateway:SendQueueLimit)</c> for key <c>SendQueueLimit</c>: both names an operator may have used.</summary>
    internal static string Describe(string key)
    {
        var path = "Gateway:" + key;
        foreach (var (variable, k) in EnvironmentVariables)
            if (k.Equals(path, StringComparison.OrdinalIgnoreCase)) return $"{variable} ({path})";
        return path;
    }

    /// <summary>
    /// Throws <see cref="InvalidSettingsException"/> unless every setting is in its range and they can work
    /// together, so a replica that would fail later (on its first client, at its first lease renewal, or
    /// binding a port) does not start at all.
    /// </summary>
    public void Validate()
    {
        var problems = new List<string>();
        void Check(bool ok, string key, string problem)
        {
            if (!ok) problems.Add($"{Describe(key)} {problem}");
        }
        void Range(long value, string key, long min, long max, string unit = "")
            => Check(value >= min && value <= max, key, $"must be from {min} to {max}{unit}, not {value}");

        // Requests are routed by the port they came in on: a port chosen by the system (0) would match none.
        Range(PublicPort, "PublicPort", 1, 65535);
        Range(GrpcPort, "GrpcPort", 1, 65535);
        Range(InternalPort, "InternalPort", 1, 65535);
        if (PublicPort == GrpcPort || PublicPort == InternalPort || GrpcPort == InternalPort)
            problems.Add($"BGW_PUBLIC_PORT, BGW_GRPC_PORT and BGW_INTERNAL_PORT (Gateway:PublicPort, GrpcPort, InternalPort) must be three different ports, not {PublicPort}, {GrpcPort}, {InternalPort}");
        Check(IPAddress.TryParse(BindAddress, out _), "BindAddress", $"must be an IP address (0.0.0.0, 127.0.0.1, ::), not '{BindAddress}'");
        CheckNats(problems);
        CheckRedis(problems);
        Range((long)DrainSpread.TotalMilliseconds, "DrainSpreadMs", 0, 600_000, " ms");
        Range((long)DrainNotice.TotalMilliseconds, "DrainNoticeMs", 0, 600_000, " ms");
        CheckAuth(problems);
        Range(Limits.MaxMessageBytes, "MaxMessageBytes", 256, 16 * 1024 * 1024, " bytes");
        Range((long)Limits.PingInterval.TotalMilliseconds, "PingIntervalMs", 1000, 3_600_000, " ms");
        Check(Limits.MessagesPerSecond is >= 0 and <= 1_000_000, "MessagesPerSecond", $"must be from 0 (no limit) to 1000000, not {Limits.MessagesPerSecond}");
        CheckId(Gateway.NodeId, "NodeId", "a node id", problems);
        CheckId(Gateway.DefaultNamespace, "DefaultNamespace", "a namespace", problems);
        try { _ = new Subjects(Gateway.SubjectPrefix); }
        catch (ArgumentException) { problems.Add($"{Describe("SubjectPrefix")} must be dot-separated tokens without wildcards or whitespace, not '{Gateway.SubjectPrefix}'"); }
        // The lease is renewed every third of it, on a timer of whole milliseconds.
        Range((long)Gateway.LeaseTtl.TotalMilliseconds, "LeaseTtlMs", 1_000, 3_600_000, " ms");
        Range(Gateway.SendQueueLimit, "SendQueueLimit", 1, 1_048_576, " frames");
        Range(Gateway.MaxConnectionsPerUser, "MaxConnectionsPerUser", 0, 1_000_000, " (0: no limit)");
        Range(Gateway.MaxRoomsPerConnection, "MaxRoomsPerConnection", 1, 100_000);
        if (problems.Count > 0) throw new InvalidSettingsException(problems);
    }

    static void CheckId(string id, string key, string what, List<string> problems)
    {
        try { PresenceIds.Check(id, what); }
        catch (ArgumentException e) { problems.Add($"{Describe(key)}: {Reason(e)}"); }
    }

    /// <summary>The exception's message without the " (Parameter 'x')" that names a code parameter, not a setting.</summary>
    static string Reason(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);

    void CheckNats(List<string> problems)
    {
        if (NatsUrl is null) return;
        // As the broker reads it: empty entries (a trailing comma) are skipped.
        var urls = NatsUrl.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (urls.Length == 0) problems.Add($"{Describe("NatsUrl")} names no server (nats://host:4222)");
        foreach (var url in urls)
        {
            try { new NatsOptions { Servers = [url] }.Validate(); }
            catch (ArgumentException e)
            {
                // The URL may carry a password: the message shows it without.
                problems.Add($"{Describe("NatsUrl")}: {Reason(e).Replace(url, WithoutCredentials(url), StringComparison.Ordinal)}");
            }
        }
    }

    void CheckRedis(List<string> problems)
    {
        if (Redis is null) return;
        try { new RedisPresenceOptions { Configuration = Redis }.Validate(); }
        catch (ArgumentException e) { problems.Add($"{Describe("Redis")}: {Reason(e)}"); }
    }

    void CheckAuth(List<string> problems)
    {
        string[] algorithms = ["HS256", "RS256", "ES256"];
        if (!algorithms.Contains(Auth.Algorithm, StringComparer.Ordinal))
        {
            problems.Add($"{Describe("Jwt:Algorithm")} must be HS256, RS256 or ES256, not '{Auth.Algorithm}'");
            return;
        }
        var keyFile = Describe("Jwt:PublicKeyFile");
        if (Auth.Algorithm == "HS256")
        {
            // A key configured for an algorithm not chosen would leave tokens checked against the secret (perhaps the development one).
            if (Auth.PublicKeyPem is not null) problems.Add($"{keyFile} is set, but {Describe("Jwt:Algorithm")} is HS256: set it to RS256 or ES256, or remove the key");
            else if (Auth.Secret is null) problems.Add($"{Describe("Jwt:Secret")} is required with HS256");
            else if (System.Text.Encoding.UTF8.GetByteCount(Auth.Secret) < 32) problems.Add($"{Describe("Jwt:Secret")} must be at least 32 bytes for HS256");
            return;
        }
        if (Auth.PublicKeyPem is null)
        {
            problems.Add($"{keyFile} is required with {Auth.Algorithm}: a PEM file holding the public key");
            return;
        }
        try { _ = new TokenValidator(Auth); }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            problems.Add($"{keyFile} holds no {(Auth.Algorithm == "RS256" ? "RSA" : "EC")} public key in PEM form for {Auth.Algorithm}");
        }
    }

    /// <summary>A NATS URL with its user, password or token replaced, for messages and logs.</summary>
    internal static string WithoutCredentials(string url)
    {
        var at = url.LastIndexOf('@');
        if (at < 0) return url;
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        return (scheme >= 0 && scheme < at ? url[..(scheme + 3)] : "") + "***" + url[at..];
    }
}
