using BrokerGateway.Server.Hosting;

namespace BrokerGateway.Server.Tests.Operations;

/// <summary>The settings line a replica logs at start shows what it runs with, and no secret.</summary>
public sealed class SettingsSummaryTests
{
    [Fact]
    public void TheSummary_ShowsTheSettings_ButNoSecret()
    {
        var settings = TestGateway.DefaultSettings("nats://gw:nats-pass@127.0.0.1:4222", "127.0.0.1:6379,password=redis-pass") with { ApiToken = "api-token-value" };
        var summary = SettingsSummary.Describe(settings);
        Assert.Contains("NATS nats://***@127.0.0.1:4222", summary, StringComparison.Ordinal);
        Assert.Contains("Redis 127.0.0.1:6379", summary, StringComparison.Ordinal);
        Assert.Contains("API token set", summary, StringComparison.Ordinal);
        Assert.Contains("send queue 1024", summary, StringComparison.Ordinal);
        foreach (var secret in new[] { "nats-pass", "redis-pass", "api-token-value", Tokens.Secret })
            Assert.DoesNotContain(secret, summary, StringComparison.Ordinal);
    }

    [Fact]
    public void TheDevelopmentSecret_AndAnOpenApiOnAllInterfaces_AreWarnedOf()
    {
        Assert.Empty(SettingsSummary.Warnings(TestGateway.DefaultSettings(), []));
        var risky = TestGateway.DefaultSettings() with
        {
            BindAddress = "0.0.0.0",
            Auth = new() { Secret = SettingsSummary.DevelopmentSecret },
        };
        Assert.Equal(2, SettingsSummary.Warnings(risky, []).Count());
    }

    [Fact]
    public void AMisspeltVariable_IsWarnedOf_ButNotTheSettingsNorTheTestsOwn()
    {
        var warnings = SettingsSummary.Warnings(TestGateway.DefaultSettings(), [Set("BGW_SEND_QUEUE_LIMIT"), Set("BGW_SEND_QUEUE"), Set("BGW_REQUIRE_SERVERS"), Set("PATH")]);
        Assert.Equal("BGW_SEND_QUEUE_LIMIT is not a setting and is ignored (the README lists them)", Assert.Single(warnings));
    }

    [Fact]
    public void ASettingsVariableSetButEmpty_IsWarnedOf_NamingIt()
    {
        var warnings = SettingsSummary.Warnings(TestGateway.DefaultSettings(),
            [Set("BGW_PUBLIC_PORT", ""), Set("BGW_API_TOKEN", "  "), Set("BGW_SEND_QUEUE", "64"), Set("BGW_REQUIRE_SERVERS", ""), Set("PATH", "")]);
        Assert.Equal(
        [
            "BGW_API_TOKEN is set but blank: it counts as unset, so the built-in default applies, even over appsettings.json",
            "BGW_PUBLIC_PORT is set but empty: it counts as unset, so the built-in default applies, even over appsettings.json",
        ], warnings);
    }

    [Fact]
    public void AnEmptyVariable_OfASettingThatTakesEmptyAsGiven_IsLeftToValidation()
    {
        // An empty subject prefix or default namespace is refused at start (SettingsTests), not defaulted.
        Assert.Empty(SettingsSummary.Warnings(TestGateway.DefaultSettings(), [Set("BGW_SUBJECT_PREFIX", ""), Set("BGW_DEFAULT_NAMESPACE", "")]));
    }

    static KeyValuePair<string, string?> Set(string name, string? value = "1") => KeyValuePair.Create(name, value);

    [Fact]
    public void NatsWithoutRedis_AndRedisWithoutNats_AreWarnedOf()
    {
        Assert.Single(SettingsSummary.Warnings(TestGateway.DefaultSettings(natsUrl: "nats://127.0.0.1:4222"), []));
        Assert.Single(SettingsSummary.Warnings(TestGateway.DefaultSettings(redis: "127.0.0.1:6379"), []));
        Assert.Empty(SettingsSummary.Warnings(TestGateway.DefaultSettings("nats://127.0.0.1:4222", "127.0.0.1:6379"), []));
    }
}
