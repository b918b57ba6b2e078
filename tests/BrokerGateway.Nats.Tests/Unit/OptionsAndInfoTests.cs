namespace BrokerGateway.Nats.Tests.Unit;

public class OptionsAndInfoTests
{
    [Fact]
    public void Defaults_AreTheDocumentedOnes()
    {
        var o = NatsOptions.Default;
        Assert.Equal(["nats://127.0.0.1:4222"], o.Servers);
        Assert.Equal(TimeSpan.FromSeconds(2), o.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), o.PingInterval);
        Assert.Equal(2, o.MaxPingsOut);
        Assert.Equal(-1, o.MaxReconnectAttempts);
        Assert.Equal(8 * 1024 * 1024, o.ReconnectBufferBytes);
        Assert.Equal(16_384, o.SubscriptionPendingLimit);
        Assert.Equal(TimeSpan.FromSeconds(5), o.RequestTimeout);
        Assert.Equal("_INBOX", o.InboxPrefix);
        Assert.False(o.NoEcho);
        o.Validate();
    }

    public static TheoryData<NatsOptions, string> BadOptions => new()
    {
        { new NatsOptions { Servers = [] }, "Servers" },
        { new NatsOptions { Servers = ["tls://x"] }, "not supported" },
        { new NatsOptions { ConnectTimeout = TimeSpan.Zero }, "ConnectTimeout" },
        { new NatsOptions { ReconnectWaitMin = TimeSpan.FromSeconds(2), ReconnectWaitMax = TimeSpan.FromSeconds(1) }, "ReconnectWaitMax" },
        { new NatsOptions { MaxReconnectAttempts = -2 }, "MaxReconnectAttempts" },
        { new NatsOptions { SubscriptionPendingLimit = 0 }, "SubscriptionPendingLimit" },
        { new NatsOptions { InboxPrefix = "bad prefix" }, "InboxPrefix" },
        { new NatsOptions { InboxPrefix = "in.*" }, "InboxPrefix" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BadOptions_AreRejectedWhenTheConnectionIsCreated(NatsOptions options, string named)
    {
        var error = Assert.Throws<ArgumentException>(() => new NatsConnection(options));
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Info_IsParsed_AndUnknownFieldsIgnored()
    {
        var info = NatsServerInfo.Parse("""
            {"server_id":"S1","server_name":"n","version":"2.9.10","proto":1,"go":"go1.19","host":"0.0.0.0","port":4222,
             "headers":true,"max_payload":1048576,"client_id":5,"client_ip":"127.0.0.1","cluster":"c",
             "connect_urls":["127.0.0.1:1","127.0.0.1:2"],"ldm":true,"future":{"nested":[1,2]}}
            """u8);
        Assert.Equal("S1", info.ServerId);
        Assert.Equal("2.9.10", info.Version);
        Assert.True(info.Headers);
        Assert.Equal(1048576, info.MaxPayload);
        Assert.Equal(["127.0.0.1:1", "127.0.0.1:2"], info.ConnectUrls);
        Assert.True(info.LameDuckMode);
        Assert.Equal("c", info.Cluster);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"max_payload\":\"big\"}")]
    [InlineData("{\"server_id\":\"x\"")]
    public void BadInfo_IsAProtocolError(string json)
    {
        Assert.Throws<NatsProtocolException>(() => NatsServerInfo.Parse(System.Text.Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void TimeoutException_IsANatsException_RecognisableAsATimeout()
    {
        var error = new NatsTimeoutException("late");
        Assert.IsAssignableFrom<NatsException>(error);
        Assert.IsType<TimeoutException>(error.InnerException);
        Assert.Equal(new TimeoutException().HResult, error.HResult);
    }

    [Fact]
    public void MaxPayloadException_NamesBothSizes()
    {
        var error = new NatsMaxPayloadException(2000, 1024);
        Assert.Contains("2000", error.Message);
        Assert.Contains("1024", error.Message);
    }
}
