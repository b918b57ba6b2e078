using BrokerGateway.Server.Hosting;
using Microsoft.Extensions.Configuration;

namespace BrokerGateway.Server.Tests.Operations;

/// <summary>
/// A value a replica cannot work with stops it at start, with a problem that names the setting by both its
/// names, instead of a binder's stack trace, a silent default, or a replica that fails on its first client.
/// </summary>
public sealed class SettingsTests
{
    const string Secret = Tokens.Secret;

    static ServerSettings LoadAndValidate(Dictionary<string, string?> values)
    {
        values.TryAdd("Gateway:Jwt:Secret", Secret);
        var settings = ServerSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        settings.Validate();
        return settings;
    }

    static string ProblemWith(string key, string value)
    {
        var e = Assert.Throws<InvalidSettingsException>(() => LoadAndValidate(new() { [key] = value }));
        return Assert.Single(e.Problems);
    }

    [Theory]
    [InlineData("BGW_SEND_QUEUE", "abc")]
    [InlineData("BGW_SEND_QUEUE", "0")]
    [InlineData("BGW_SEND_QUEUE", "-5")]
    [InlineData("BGW_MAX_MESSAGE_BYTES", "0")]
    [InlineData("BGW_MAX_MESSAGE_BYTES", "-1")]
    [InlineData("BGW_MESSAGES_PER_SECOND", "-1")]
    [InlineData("BGW_MESSAGES_PER_SECOND", "NaN")]
    [InlineData("BGW_PING_INTERVAL_MS", "0")]
    [InlineData("BGW_PING_INTERVAL_MS", "999")]
    [InlineData("BGW_PING_INTERVAL_MS", "25s")]
    [InlineData("BGW_LEASE_TTL_MS", "0")]
    [InlineData("BGW_LEASE_TTL_MS", "-100")]
    [InlineData("BGW_LEASE_TTL_MS", "1e20")]
    [InlineData("BGW_DRAIN_SPREAD_MS", "-5")]
    [InlineData("BGW_DRAIN_NOTICE_MS", "-5")]
    [InlineData("BGW_MAX_CONNECTIONS_PER_USER", "-1")]
    [InlineData("BGW_MAX_ROOMS_PER_CONNECTION", "0")]
    [InlineData("BGW_PUBLIC_PORT", "0")]
    [InlineData("BGW_PUBLIC_PORT", "70000")]
    [InlineData("BGW_GRPC_PORT", "-1")]
    [InlineData("BGW_INTERNAL_PORT", "http")]
    [InlineData("BGW_BIND", "localhost")]
    [InlineData("BGW_EVENT_FORMAT", "xml")]
    [InlineData("BGW_EVENT_FORMAT", "1")]
    [InlineData("BGW_WEBSOCKET", "foo")]
    [InlineData("BGW_ALLOW_GUESTS", "maybe")]
    [InlineData("BGW_CLIENT_PUBLISH", "yes")]
    [InlineData("BGW_JWT_ALG", "HS512")]
    [InlineData("BGW_JWT_ALG", "none")]
    [InlineData("BGW_JWT_SECRET", "short")]
    [InlineData("BGW_NATS_URL", "http://127.0.0.1:4222")]
    [InlineData("BGW_NATS_URL", "nats://127.0.0.1:99999")]
    [InlineData("BGW_NATS_URL", ",")]
    [InlineData("BGW_REDIS", "127.0.0.1:99999")]
    [InlineData("BGW_SUBJECT_PREFIX", "a*")]
    [InlineData("BGW_SUBJECT_PREFIX", "")]
    [InlineData("BGW_DEFAULT_NAMESPACE", "")]
    public void AnUnusableValue_IsOneProblemNamingItsSetting(string variable, string value)
    {
        var key = ServerSettings.EnvironmentVariables[variable];
        var problem = ProblemWith(key, value);
        Assert.StartsWith($"{variable} ({key})", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingKeyFile_IsAProblem_NotAFileNotFoundException()
    {
        var problem = ProblemWith("Gateway:Jwt:PublicKeyFile", Path.Combine(Path.GetTempPath(), Unique.Name("missing") + ".pem"));
        Assert.StartsWith("BGW_JWT_PUBLIC_KEY_FILE (Gateway:Jwt:PublicKeyFile): cannot read", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RS256")]
    [InlineData("ES256")]
    public void AnAsymmetricAlgorithm_WithoutAKey_OrWithAKeyOfTheWrongKind_IsAProblem(string algorithm)
    {
        var e = Assert.Throws<InvalidSettingsException>(() => LoadAndValidate(new() { ["Gateway:Jwt:Algorithm"] = algorithm }));
        Assert.StartsWith("BGW_JWT_PUBLIC_KEY_FILE", Assert.Single(e.Problems), StringComparison.Ordinal);

        using var other = algorithm == "RS256" ? (System.Security.Cryptography.AsymmetricAlgorithm)System.Security.Cryptography.ECDsa.Create() : System.Security.Cryptography.RSA.Create();
        e = Assert.Throws<InvalidSettingsException>(() => LoadAndValidate(new()
        {
            ["Gateway:Jwt:Algorithm"] = algorithm,
            ["Gateway:Jwt:PublicKeyPem"] = other.ExportSubjectPublicKeyInfoPem(),
        }));
        Assert.Contains("holds no", Assert.Single(e.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void AKeyFile_WithHs256_IsAContradiction_NotAKeyIgnoredForTheSecret()
    {
        var path = Path.Combine(Path.GetTempPath(), Unique.Name("key") + ".pem");
        using var rsa = System.Security.Cryptography.RSA.Create();
        File.WriteAllText(path, rsa.ExportSubjectPublicKeyInfoPem());
        try
        {
            var problem = ProblemWith("Gateway:Jwt:PublicKeyFile", path);
            Assert.Contains("is HS256", problem, StringComparison.Ordinal);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Hs256_WithoutASecret_IsAProblem()
    {
        var e = Assert.Throws<InvalidSettingsException>(() => LoadAndValidate(new() { ["Gateway:Jwt:Secret"] = "" }));
        Assert.StartsWith("BGW_JWT_SECRET (Gateway:Jwt:Secret) is required", Assert.Single(e.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void TwoRolesOnOnePort_IsAProblem()
    {
        var e = Assert.Throws<InvalidSettingsException>(() => LoadAndValidate(new() { ["Gateway:PublicPort"] = "9000", ["Gateway:GrpcPort"] = "9000" }));
        Assert.Contains("three different ports", Assert.Single(e.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void AMisspeltKey_IsAProblem_NotADefaultLeftInForce()
    {
        var problem = ProblemWith("Gateway:SendQueue", "10");
        Assert.StartsWith("Gateway:SendQueue is not a setting", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryProblem_IsReported_AtOnce()
    {
        var e = Assert.Throws<InvalidSettingsException>(() => LoadAndValidate(new() { ["Gateway:SendQueueLimit"] = "x", ["Gateway:LeaseTtlMs"] = "y" }));
        Assert.Equal(2, e.Problems.Count);
    }

    [Fact]
    public void NoProblem_EchoesANatsOrRedisPassword()
    {
        var nats = Assert.Throws<InvalidSettingsException>(() => LoadAndValidate(new() { ["Gateway:NatsUrl"] = "nats://user:hunter2@127.0.0.1:99999" }));
        var redis = Assert.Throws<InvalidSettingsException>(() => LoadAndValidate(new() { ["Gateway:Redis"] = "127.0.0.1:99999,password=hunter2" }));
        Assert.DoesNotContain("hunter2", nats.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", redis.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValuesInRange_AreTaken_CaseOfNamesIgnored()
    {
        var settings = LoadAndValidate(new()
        {
            ["Gateway:SendQueueLimit"] = "16",
            ["Gateway:MessagesPerSecond"] = "0",
            ["Gateway:MaxConnectionsPerUser"] = "0",
            ["Gateway:LeaseTtlMs"] = "2000",
            ["Gateway:PingIntervalMs"] = "5000",
            ["Gateway:DrainNoticeMs"] = "0",
            ["Gateway:EventFormat"] = "json",
            ["Gateway:AllowGuests"] = "False",
            ["Gateway:NatsUrl"] = "nats://a:4222, nats://b:4222,",
            ["Gateway:Redis"] = "127.0.0.1:6379,password=x",
        });
        Assert.Equal(16, settings.Gateway.SendQueueLimit);
        Assert.Equal(0, settings.Limits.MessagesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.Gateway.LeaseTtl);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Limits.PingInterval);
        Assert.Equal(BrokerGateway.Server.Uplink.EventFormat.Json, settings.EventFormat);
        Assert.False(settings.Gateway.DefaultPolicy.AllowGuests);
    }

    [Fact]
    public void TheShippedAppsettings_LoadsAndValidates()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: false).Build();
        ServerSettings.Load(configuration).Validate();
    }
}
