using System.Buffers;
using System.Text;
using BrokerGateway.Nats.Internal;

namespace BrokerGateway.Nats.Tests.Unit;

public class HeaderTests
{
    static NatsHeaders RoundTrip(NatsHeaders headers)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var length = HeaderCodec.GetEncodedLength(headers);
        HeaderCodec.Write(buffer, headers, length);
        Assert.Equal(length, buffer.WrittenCount);
        return HeaderCodec.Parse(buffer.WrittenSpan);
    }

    [Fact]
    public void RepeatedKeys_KeepEveryValueInOrder()
    {
        var headers = new NatsHeaders().Add("A", "1").Add("b", "x").Add("A", "2");
        Assert.Equal("1", headers["A"]);
        Assert.Equal(["1", "2"], headers.GetAll("A"));
        Assert.Equal(["A", "b"], headers.Select(h => h.Key));
        Assert.Empty(headers.GetAll("missing"));
        Assert.Null(headers["missing"]);
    }

    [Fact]
    public void Keys_AreCaseSensitive()
    {
        var headers = new NatsHeaders().Add("Key", "1").Add("key", "2");
        Assert.Equal("1", headers["Key"]);
        Assert.Equal("2", headers["key"]);
    }

    [Fact]
    public void Indexer_SetReplacesEveryValue()
    {
        var headers = new NatsHeaders().Add("A", "1").Add("A", "2");
        headers["A"] = "3";
        Assert.Equal(["3"], headers.GetAll("A"));
    }

    [Fact]
    public void ValuesWithSpacesAndColons_RoundTrip()
    {
        var parsed = RoundTrip(new NatsHeaders().Add("Url", "http://x:80/a b").Add("Multi", "a: b: c").Add("Multi", "second value"));
        Assert.Equal("http://x:80/a b", parsed["Url"]);
        Assert.Equal(["a: b: c", "second value"], parsed.GetAll("Multi"));
    }

    [Fact]
    public void StatusLine_WithCodeAndDescription_IsParsed()
    {
        var parsed = HeaderCodec.Parse("NATS/1.0 408 Request Timeout\r\n\r\n"u8);
        Assert.Equal(408, parsed.StatusCode);
        Assert.Equal("Request Timeout", parsed.StatusDescription);
    }

    [Fact]
    public void NoRespondersStatus_IsParsed()
    {
        var parsed = HeaderCodec.Parse("NATS/1.0 503\r\n\r\n"u8);
        Assert.Equal(503, parsed.StatusCode);
        Assert.Null(parsed.StatusDescription);
        Assert.Equal(0, parsed.Count);
    }

    [Fact]
    public void StatusLine_RoundTrips()
    {
        var parsed = RoundTrip(new NatsHeaders { StatusCode = 404, StatusDescription = "No Messages" }.Add("K", "v"));
        Assert.Equal(404, parsed.StatusCode);
        Assert.Equal("No Messages", parsed.StatusDescription);
        Assert.Equal("v", parsed["K"]);
    }

    [Fact]
    public void ReceivedValues_AreTrimmed_AndMalformedLinesSkipped()
    {
        var parsed = HeaderCodec.Parse("NATS/1.0\r\nA:   spaced \t\r\nno colon here\r\nB:x\r\n\r\n"u8);
        Assert.Equal("spaced", parsed["A"]);
        Assert.Equal("x", parsed["B"]);
        Assert.Equal(2, parsed.Count);
    }

    [Fact]
    public void ReceivedLinesHoldingABareCrOrLf_AreSkipped_SoARelayCannotSplitThem()
    {
        var parsed = HeaderCodec.Parse("NATS/1.0\r\nA: x\ny\r\nB: a\rb\r\nC: ok\r\n\r\n"u8);
        Assert.Null(parsed["A"]);
        Assert.Null(parsed["B"]);
        Assert.Equal("ok", parsed["C"]);
        Assert.Equal(1, parsed.Count);
    }

    [Fact]
    public void BlockWithoutVersion_IsRejected()
    {
        Assert.Throws<NatsProtocolException>(() => HeaderCodec.Parse("HTTP/1.1\r\n\r\n"u8));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a:b")]
    [InlineData("a b")]
    [InlineData("é")]
    public void BadKeys_AreRejectedWithAClearError(string key)
    {
        var error = Assert.Throws<ArgumentException>(() => new NatsHeaders().Add(key, "v"));
        Assert.Contains("header key", error.Message);
    }

    [Theory]
    [InlineData("a\r\nInjected: yes")]
    [InlineData("a\nb")]
    public void ValuesWithLineBreaks_AreRejected(string value)
    {
        Assert.Throws<ArgumentException>(() => new NatsHeaders().Add("K", value));
    }

    [Fact]
    public void EncodedLength_CountsUtf8Bytes()
    {
        var headers = new NatsHeaders().Add("K", "ü");
        Assert.Equal(Encoding.UTF8.GetByteCount("NATS/1.0\r\nK: ü\r\n\r\n"), HeaderCodec.GetEncodedLength(headers));
    }
}
