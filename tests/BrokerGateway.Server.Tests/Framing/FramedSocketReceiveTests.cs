using System.Net.WebSockets;
using System.Text;
using BrokerGateway.Server.Tests.Framing.Support;
using BrokerGateway.Server.Transport;
using BrokerGateway.Server.Transport.Framed;

namespace BrokerGateway.Server.Tests.Framing;

/// <summary>Reading client frames (RFC 6455 §5, §7) through a socket over an in-memory connection.</summary>
public sealed class FramedSocketReceiveTests : IDisposable
{
    static readonly TimeSpan Timeout = MemoryTransport.Timeout;
    const int Limit = 64 * 1024;

    readonly MemoryTransport _client = new();
    readonly FramedClientSocket _socket;

    public FramedSocketReceiveTests() => _socket = _client.CreateSocket();

    public void Dispose() => _socket.Dispose();

    Task<InboundMessage> ReceiveAsync(int limit = Limit) => _socket.ReceiveAsync(limit, CancellationToken.None).AsTask().WaitAsync(Timeout);

    async Task<ServerFrame> ExpectFailureAsync(int code)
    {
        var error = await Assert.ThrowsAsync<WebSocketException>(() => ReceiveAsync());
        Assert.Contains("RFC 6455", error.Message);
        var close = await _client.NextFrameAsync();
        Assert.Equal(Opcode.Close, close.Opcode);
        Assert.Equal(code, close.CloseCode);
        Assert.False(_socket.CanSend);
        return close;
    }

    [Fact]
    public async Task MaskedTextFrame_IsOneMessage()
    {
        await _client.SendAsync(ClientFrames.Text("{\"type\":\"ping\"}"));
        var message = await ReceiveAsync();
        Assert.Equal(InboundStatus.Message, message.Status);
        Assert.True(message.IsText);
        Assert.Equal("{\"type\":\"ping\"}", Encoding.UTF8.GetString(message.Data.Span));
    }

    [Fact]
    public async Task AFrameHeader_ReservesNoMoreThanWhatCame_AndTheMessageStillArrivesWhole()
    {
        var text = new string('a', 60_000);
        var frame = ClientFrames.Text(text);
        const int headerAndSome = 8 + 10; // 2 + 2 (16-bit length) + 4 (mask), then 10 payload bytes
        await _client.SendAsync(frame[..headerAndSome]);
        var receiving = ReceiveAsync();
        await Eventually.TrueAsync(() => _socket.MessageCapacity > 0, because: "the first bytes are gathered");
        Assert.InRange(_socket.MessageCapacity, 1, 4096);

        await _client.SendAsync(frame[headerAndSome..]);
        var message = await receiving;
        Assert.Equal(text, Encoding.UTF8.GetString(message.Data.Span));
    }

    [Fact]
    public async Task BinaryFrame_IsAMessageMarkedBinary()
    {
        await _client.SendAsync(ClientFrames.Binary([1, 2, 3]));
        var message = await ReceiveAsync();
        Assert.False(message.IsText);
        Assert.Equal([1, 2, 3], message.Data.ToArray());
    }

    [Fact]
    public async Task EmptyTextFrame_IsAnEmptyMessage()
    {
        await _client.SendAsync(ClientFrames.Text(""));
        var message = await ReceiveAsync();
        Assert.Equal(InboundStatus.Message, message.Status);
        Assert.Equal(0, message.Data.Length);
    }

    [Fact]
    public async Task FramesSplitAtEveryByte_AreReassembled()
    {
        var bytes = ClientFrames.Concat(ClientFrames.Text("first"), ClientFrames.Text(new string('x', 300)), ClientFrames.Binary([9]));
        var receiving = Task.Run(async () => new[] { await ReceiveAsync(), await ReceiveAsync(), await ReceiveAsync() }.Select(m => m.Data.Length).ToArray());
        foreach (var b in bytes) await _client.SendAsync([b]);
        Assert.Equal(new[] { 5, 300, 1 }, await receiving.WaitAsync(Timeout));
    }

    [Fact]
    public async Task FragmentedText_IsReassembledIntoOneMessage()
    {
        await _client.SendAsync(ClientFrames.Text("{\"type\":", fin: false), ClientFrames.Continuation("\"ping\",", fin: false), ClientFrames.Continuation("\"id\":1}"));
        var message = await ReceiveAsync();
        Assert.True(message.IsText);
        Assert.Equal("{\"type\":\"ping\",\"id\":1}", Encoding.UTF8.GetString(message.Data.Span));
    }

    [Fact]
    public async Task PingBetweenFragments_IsAnsweredWithItsPayload_AndTheMessageStillArrivesWhole()
    {
        await _client.SendAsync(ClientFrames.Text("hel", fin: false), ClientFrames.Ping("are you there"), ClientFrames.Continuation("lo"));
        var message = await ReceiveAsync();
        Assert.Equal("hello", Encoding.UTF8.GetString(message.Data.Span));
        var pong = await _client.NextFrameAsync();
        Assert.Equal(Opcode.Pong, pong.Opcode);
        Assert.Equal("are you there", pong.Text);
    }

    [Fact]
    public async Task PongBetweenFragments_IsIgnored()
    {
        await _client.SendAsync(ClientFrames.Text("hel", fin: false), ClientFrames.Pong("unsolicited"), ClientFrames.Continuation("lo"));
        Assert.Equal("hello", Encoding.UTF8.GetString((await ReceiveAsync()).Data.Span));
        Assert.True(_client.NothingWritten());
    }

    [Fact]
    public async Task LargeMessageInPieces_IsReassembledByteForByte()
    {
        var data = new byte[200_000];
        new Random(3).NextBytes(data);
        var frames = ClientFrames.Concat(ClientFrames.Binary(data[..70_000], fin: false), ClientFrames.Frame(Opcode.Continuation, data[70_000..]));
        var receiving = ReceiveAsync(limit: 300_000);
        for (var i = 0; i < frames.Length; i += 10_007) await _client.SendAsync(frames[i..Math.Min(frames.Length, i + 10_007)]);
        var message = await receiving;
        Assert.Equal(data, message.Data.ToArray());
    }

    [Fact]
    public async Task TextThatIsNotUtf8_IsInvalid()
    {
        await _client.SendAsync(ClientFrames.Frame(Opcode.Text, [0x7b, 0xff, 0xfe, 0x7d]));
        Assert.Equal(InboundStatus.Invalid, (await ReceiveAsync()).Status);
    }

    [Fact]
    public async Task Utf8SplitAcrossFragments_IsValid()
    {
        var snowman = Encoding.UTF8.GetBytes("☃");
        await _client.SendAsync(ClientFrames.Frame(Opcode.Text, snowman[..1], fin: false), ClientFrames.Frame(Opcode.Continuation, snowman[1..]));
        Assert.Equal("☃", Encoding.UTF8.GetString((await ReceiveAsync()).Data.Span));
    }

    [Fact]
    public async Task DeclaredLengthOverTheLimit_IsTooBig_BeforeAnyPayloadArrives()
    {
        // Only the header is sent: the verdict cannot have waited for (or buffered) the payload.
        var header = ClientFrames.Frame(Opcode.Text, [], declaredLength: 1_000_000)[..14];
        await _client.SendAsync(header);
        Assert.Equal(InboundStatus.TooBig, (await ReceiveAsync(limit: 1000)).Status);
    }

    [Fact]
    public async Task FragmentsAddingUpOverTheLimit_AreTooBig()
    {
        await _client.SendAsync(ClientFrames.Text(new string('a', 600), fin: false), ClientFrames.Continuation(new string('b', 600)));
        Assert.Equal(InboundStatus.TooBig, (await ReceiveAsync(limit: 1000)).Status);
    }

    [Fact]
    public async Task MessageOfExactlyTheLimit_IsAccepted()
    {
        await _client.SendAsync(ClientFrames.Text(new string('a', 1000)));
        Assert.Equal(InboundStatus.Message, (await ReceiveAsync(limit: 1000)).Status);
    }

    [Fact]
    public async Task UnmaskedFrame_FailsWith1002()
    {
        await _client.SendAsync(ClientFrames.Frame(Opcode.Text, "hi"u8, masked: false));
        var close = await ExpectFailureAsync(1002);
        Assert.Contains("unmasked", close.CloseReason);
    }

    [Fact]
    public async Task ReservedBits_FailWith1002()
    {
        await _client.SendAsync(ClientFrames.Frame(Opcode.Text, "hi"u8, rsv: 4));
        await ExpectFailureAsync(1002);
    }

    [Fact]
    public async Task UnknownOpcode_FailsWith1002()
    {
        await _client.SendAsync(ClientFrames.Frame((Opcode)0xB, []));
        await ExpectFailureAsync(1002);
    }

    [Fact]
    public async Task ControlFrameLongerThan125_FailsWith1002()
    {
        await _client.SendAsync(ClientFrames.Frame(Opcode.Ping, new byte[126]));
        await ExpectFailureAsync(1002);
    }

    [Fact]
    public async Task FragmentedControlFrame_FailsWith1002()
    {
        await _client.SendAsync(ClientFrames.Frame(Opcode.Ping, "a"u8, fin: false));
        await ExpectFailureAsync(1002);
    }

    [Fact]
    public async Task ContinuationWithoutAMessage_FailsWith1002()
    {
        await _client.SendAsync(ClientFrames.Continuation("orphan"));
        await ExpectFailureAsync(1002);
    }

    [Fact]
    public async Task NewMessageBeforeThePreviousEnded_FailsWith1002()
    {
        await _client.SendAsync(ClientFrames.Text("one", fin: false), ClientFrames.Text("two"));
        await ExpectFailureAsync(1002);
    }

    [Fact]
    public async Task LengthWithTheHighBitSet_FailsWith1002()
    {
        await _client.SendAsync(ClientFrames.Frame(Opcode.Binary, [], declaredLength: ulong.MaxValue));
        await ExpectFailureAsync(1002);
    }

    [Fact]
    public async Task ClientClose_IsEchoedWithItsCode_AndReadsClosedFromThenOn()
    {
        await _client.SendAsync(ClientFrames.Close(3001, "leaving"));
        Assert.Equal(InboundStatus.Closed, (await ReceiveAsync()).Status);
        var echo = await _client.NextFrameAsync();
        Assert.Equal(Opcode.Close, echo.Opcode);
        Assert.Equal(3001, echo.CloseCode);
        Assert.False(_socket.CanSend);
        Assert.Equal(InboundStatus.Closed, (await ReceiveAsync()).Status);
    }

    [Fact]
    public async Task ClientCloseWithoutCode_IsAnsweredWithAnEmptyClose()
    {
        await _client.SendAsync(ClientFrames.Close());
        Assert.Equal(InboundStatus.Closed, (await ReceiveAsync()).Status);
        var echo = await _client.NextFrameAsync();
        Assert.Equal(Opcode.Close, echo.Opcode);
        Assert.Empty(echo.Payload);
    }

    [Theory]
    [InlineData(1004)]
    [InlineData(1005)]
    [InlineData(1006)]
    [InlineData(1015)]
    [InlineData(999)]
    [InlineData(5000)]
    public async Task ClientCloseWithAForbiddenCode_FailsWith1002(int code)
    {
        await _client.SendAsync(ClientFrames.Close(code));
        await ExpectFailureAsync(1002);
    }

    [Fact]
    public async Task ClientCloseWithAReasonThatIsNotUtf8_FailsWith1007()
    {
        await _client.SendAsync(ClientFrames.Frame(Opcode.Close, [0x03, 0xE8, 0xC3, 0x28]));
        await ExpectFailureAsync(1007);
    }

    [Fact]
    public async Task ConnectionEndingWithoutClose_IsAnError()
    {
        await _client.SendAsync(ClientFrames.Text("partial", fin: false));
        _client.EndClient();
        var error = await Assert.ThrowsAsync<WebSocketException>(() => ReceiveAsync());
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, error.WebSocketErrorCode);
    }

    [Fact]
    public async Task IdleSocket_HoldsNoBuffer_WhileWaiting()
    {
        await _client.SendAsync(ClientFrames.Text(new string('m', 5000)));
        await ReceiveAsync();
        Assert.True(_socket.HoldsBuffers); // the message is the caller's until the next read
        var waiting = ReceiveAsync();
        Assert.False(waiting.IsCompleted);
        Assert.False(_socket.HoldsBuffers);
        await _client.SendAsync(ClientFrames.Text("next"));
        Assert.Equal("next", Encoding.UTF8.GetString((await waiting).Data.Span));
    }

    [Fact]
    public async Task WaitForPeerClose_AfterOurClose_DiscardsDataUntilTheClientsClose()
    {
        await _socket.CloseOutputAsync(4058, "message too big", CancellationToken.None).AsTask().WaitAsync(Timeout);
        Assert.Equal(4058, (await _client.NextFrameAsync()).CloseCode);
        await _client.SendAsync(ClientFrames.Text("late"), ClientFrames.Frame(Opcode.Text, "junk"u8, masked: false, rsv: 7), ClientFrames.Close(4058));
        await _socket.WaitForPeerCloseAsync(Timeout).WaitAsync(Timeout);
        Assert.True(_client.NothingWritten()); // no second close
    }

    [Fact]
    public async Task WaitForPeerClose_AfterTooBig_SkipsTheRestOfTheOversizePayload()
    {
        var big = ClientFrames.Text(new string('z', 5000));
        await _client.SendAsync(big[..100]);
        Assert.Equal(InboundStatus.TooBig, (await ReceiveAsync(limit: 1000)).Status);
        await _socket.CloseOutputAsync(4058, "message too big", CancellationToken.None).AsTask().WaitAsync(Timeout);
        var waiting = _socket.WaitForPeerCloseAsync(Timeout);
        // The payload's bytes include what looks like frames; only the real close after it counts.
        await _client.SendAsync(big[100..], ClientFrames.Close(1000));
        await waiting.WaitAsync(Timeout);
        Assert.Equal(4058, (await _client.NextFrameAsync()).CloseCode);
    }

    [Fact]
    public async Task WaitForPeerClose_WithASilentClient_EndsAtTheTimeout()
    {
        await _socket.CloseOutputAsync(1000, "", CancellationToken.None).AsTask().WaitAsync(Timeout);
        await _socket.WaitForPeerCloseAsync(TimeSpan.FromMilliseconds(100)).WaitAsync(Timeout);
    }
}
