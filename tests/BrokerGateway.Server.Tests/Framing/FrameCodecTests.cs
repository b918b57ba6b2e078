using System.Text;
using BrokerGateway.Server.Tests.Framing.Support;
using BrokerGateway.Server.Transport.Framed;

namespace BrokerGateway.Server.Tests.Framing;

/// <summary>RFC 6455 §5 byte by byte: headers read and written, masks, close payloads.</summary>
public sealed class FrameCodecTests
{
    [Theory]
    [InlineData(0, 2)]
    [InlineData(125, 2)]
    [InlineData(126, 4)]
    [InlineData(65535, 4)]
    [InlineData(65536, 10)]
    [InlineData(5_000_000_000, 10)]
    public void ServerHeader_UsesTheShortestLengthEncoding_AndIsFinalAndUnmasked(long length, int size)
    {
        var header = new byte[FrameCodec.MaxServerHeader];
        Assert.Equal(size, FrameCodec.WriteHeader(header, Opcode.Text, length));
        Assert.Equal(size, FrameCodec.HeaderSize(length));
        Assert.Equal(0x81, header[0]); // FIN + text
        Assert.Equal(0, header[1] & 0x80); // §5.1: never masked
        var expected = length < 126 ? length : length <= 65535 ? (header[2] << 8) | header[3] : (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(header.AsSpan(2));
        Assert.Equal(length, expected);
    }

    [Fact]
    public void ClientHeader_ReadsLengthsOfEverySize_AndTheMask()
    {
        foreach (var length in new[] { 0, 5, 125, 126, 1000, 65535, 65536, 70000 })
        {
            var frame = ClientFrames.Frame(Opcode.Binary, new byte[length]);
            Assert.Equal(HeaderStatus.Complete, FrameCodec.TryReadHeader(frame, strict: true, out var header, out _));
            Assert.Equal(length, header.PayloadLength);
            Assert.Equal(frame.Length - length, header.Length);
            Assert.True(header.Masked && header.Fin);
            Assert.Equal(0x3d21fa37u, header.Mask);
        }
    }

    [Fact]
    public void ClientHeader_InPieces_AsksForMore()
    {
        var frame = ClientFrames.Frame(Opcode.Text, new byte[300]);
        for (var cut = 0; cut < 8; cut++)
            Assert.Equal(HeaderStatus.NeedMore, FrameCodec.TryReadHeader(frame.AsSpan(0, cut), strict: true, out _, out _));
        Assert.Equal(HeaderStatus.Complete, FrameCodec.TryReadHeader(frame.AsSpan(0, 8), strict: true, out _, out _));
    }

    public static TheoryData<string, byte[], string> Violations => new()
    {
        { "unmasked", ClientFrames.Frame(Opcode.Text, "hi"u8, masked: false), "unmasked" },
        { "rsv1", ClientFrames.Frame(Opcode.Text, "hi"u8, rsv: 4), "reserved bits" },
        { "rsv3", ClientFrames.Frame(Opcode.Text, "hi"u8, rsv: 1), "reserved bits" },
        { "opcode 3", ClientFrames.Frame((Opcode)3, "hi"u8), "unknown opcode 0x3" },
        { "opcode 0xB", ClientFrames.Frame((Opcode)0xB, "hi"u8), "unknown opcode 0xB" },
        { "fragmented ping", ClientFrames.Frame(Opcode.Ping, "hi"u8, fin: false), "fragmented Ping" },
        { "long close", ClientFrames.Frame(Opcode.Close, new byte[126]), "longer than 125" },
        { "64-bit high bit", ClientFrames.Frame(Opcode.Binary, [], declaredLength: 0x8000_0000_0000_0001UL), "most significant bit" },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public void ClientHeader_BreakingARule_IsAProtocolError(string rule, byte[] frame, string reason)
    {
        Assert.Equal(HeaderStatus.Violation, FrameCodec.TryReadHeader(frame, strict: true, out _, out var violation));
        Assert.Equal(1002, violation.Code);
        Assert.Contains(reason, violation.Reason);
        Assert.NotNull(rule);
    }

    [Fact]
    public void LenientRead_FindsTheBoundsOfAFrameAStrictReadRefuses()
    {
        var frame = ClientFrames.Frame(Opcode.Text, "hello"u8, masked: false, rsv: 2);
        Assert.Equal(HeaderStatus.Complete, FrameCodec.TryReadHeader(frame, strict: false, out var header, out _));
        Assert.Equal(5, header.PayloadLength);
        Assert.Equal(2, header.Length);
    }

    [Fact]
    public void Unmask_FromAnyOffset_MatchesTheBytewiseDefinition()
    {
        var random = new Random(7);
        var mask = new byte[] { 0x11, 0x8f, 0x42, 0xe0 };
        var key = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(mask);
        for (var offset = 0; offset < 8; offset++)
        {
            foreach (var length in new[] { 0, 1, 3, 7, 8, 9, 31, 100 })
            {
                var data = new byte[length];
                random.NextBytes(data);
                var expected = data.Select((b, i) => (byte)(b ^ mask[(offset + i) % 4])).ToArray();
                Assert.Equal(offset + length, FrameCodec.Unmask(data, key, offset));
                Assert.Equal(expected, data);
            }
        }
    }

    [Fact]
    public void ClosePayload_IsTheCodeThenTheReason_CutToFit()
    {
        var payload = FrameCodec.ClosePayload(4058, "message too big");
        Assert.Equal([0x0F, 0xDA], payload[..2]);
        Assert.Equal("message too big", Encoding.UTF8.GetString(payload, 2, payload.Length - 2));
        Assert.True(FrameCodec.ClosePayload(4000, new string('é', 300)).Length <= FrameCodec.MaxControlPayload);
        Assert.Empty(FrameCodec.ClosePayload(1005, "ignored"));
    }

    [Fact]
    public void ClientClose_WithoutPayload_Means1005()
    {
        Assert.True(FrameCodec.TryReadClose([], out var code, out var reason, out _));
        Assert.Equal(1005, code);
        Assert.Equal("", reason);
    }

    [Fact]
    public void ClientClose_WithCodeAndReason_IsRead()
    {
        Assert.True(FrameCodec.TryReadClose(FrameCodec.ClosePayload(3001, "bye ✓"), out var code, out var reason, out _));
        Assert.Equal(3001, code);
        Assert.Equal("bye ✓", reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(999)]
    [InlineData(1004)]
    [InlineData(1005)]
    [InlineData(1006)]
    [InlineData(1015)]
    [InlineData(1016)]
    [InlineData(2999)]
    [InlineData(5000)]
    [InlineData(65535)]
    public void ClientClose_WithACodeNoEndpointMaySend_IsAProtocolError(int code)
    {
        var payload = new byte[] { (byte)(code >> 8), (byte)code };
        Assert.False(FrameCodec.TryReadClose(payload, out _, out _, out var violation));
        Assert.Equal(1002, violation.Code);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(1003)]
    [InlineData(1007)]
    [InlineData(1011)]
    [InlineData(1014)]
    [InlineData(3000)]
    [InlineData(4999)]
    public void CloseCode_FromTheRegistry_IsValid(int code) => Assert.True(FrameCodec.IsValidCloseCode(code));

    [Fact]
    public void ClientClose_OfOneByte_IsAProtocolError()
    {
        Assert.False(FrameCodec.TryReadClose([0x03], out _, out _, out var violation));
        Assert.Equal(1002, violation.Code);
    }

    [Fact]
    public void ClientClose_WithAReasonThatIsNotUtf8_Is1007()
    {
        Assert.False(FrameCodec.TryReadClose([0x03, 0xE8, 0xC3, 0x28], out _, out _, out var violation));
        Assert.Equal(1007, violation.Code);
    }
}
