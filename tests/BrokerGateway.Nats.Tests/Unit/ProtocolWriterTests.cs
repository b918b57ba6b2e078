using System.Buffers;
using System.Text;
using BrokerGateway.Nats.Internal;

namespace BrokerGateway.Nats.Tests.Unit;

public class ProtocolWriterTests
{
    static string Written(Action<ArrayBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Pub_IsWrittenExactly()
    {
        Assert.Equal("PUB foo 5\r\nhello\r\n", Written(b => ProtocolWriter.WritePub(b, "foo", null, "hello"u8)));
        Assert.Equal("PUB foo _INBOX.1 0\r\n\r\n", Written(b => ProtocolWriter.WritePub(b, "foo", "_INBOX.1", default)));
    }

    [Fact]
    public void Hpub_MatchesTheSpecExample()
    {
        // digest §2: HPUB foo INBOX.22 22 33\r\nNATS/1.0\r\nBar: Baz\r\n\r\nHello NATS!\r\n
        var headers = new NatsHeaders().Add("Bar", "Baz");
        var length = HeaderCodec.GetEncodedLength(headers);
        Assert.Equal(22, length);
        Assert.Equal("HPUB foo INBOX.22 22 33\r\nNATS/1.0\r\nBar: Baz\r\n\r\nHello NATS!\r\n",
            Written(b => ProtocolWriter.WriteHpub(b, "foo", "INBOX.22", headers, length, "Hello NATS!"u8)));
    }

    [Fact]
    public void Hpub_RepeatedKeys_KeepOrderAndCase()
    {
        var headers = new NatsHeaders().Add("A", "1").Add("A", "2").Add("b", "x");
        var length = HeaderCodec.GetEncodedLength(headers);
        Assert.Equal("HPUB bar 30 34\r\nNATS/1.0\r\nA: 1\r\nA: 2\r\nb: x\r\n\r\nYum!\r\n",
            Written(b => ProtocolWriter.WriteHpub(b, "bar", null, headers, length, "Yum!"u8)));
    }

    [Fact]
    public void SubAndUnsub_AreWrittenExactly()
    {
        Assert.Equal("SUB foo.* 7\r\n", Written(b => ProtocolWriter.WriteSub(b, "foo.*", null, 7)));
        Assert.Equal("SUB foo workers 8\r\n", Written(b => ProtocolWriter.WriteSub(b, "foo", "workers", 8)));
        Assert.Equal("UNSUB 7\r\n", Written(b => ProtocolWriter.WriteUnsub(b, 7, null)));
        Assert.Equal("UNSUB 7 10\r\n", Written(b => ProtocolWriter.WriteUnsub(b, 7, 10)));
    }

    [Fact]
    public void NonAsciiSubjects_AreWrittenAsUtf8()
    {
        Assert.Equal("PUB grüße 1\r\nx\r\n", Written(b => ProtocolWriter.WritePub(b, "grüße", null, "x"u8)));
    }
}
