using System.Text;
using BrokerGateway.Core.Connections;
using BrokerGateway.Server.Tests.Framing.Support;
using BrokerGateway.Server.Transport;
using BrokerGateway.Server.Transport.Framed;

namespace BrokerGateway.Server.Tests.Framing;

/// <summary>Writing server frames: batches in one write, control frames never inside a message.</summary>
public sealed class FramedSocketSendTests : IDisposable
{
    static readonly TimeSpan Timeout = MemoryTransport.Timeout;

    readonly MemoryTransport _client = new();
    readonly FramedClientSocket _socket;

    public FramedSocketSendTests() => _socket = _client.CreateSocket();

    public void Dispose() => _socket.Dispose();

    static OutboundFrame Text(string s) => new(Encoding.UTF8.GetBytes(s), IsText: true);

    Task SendAsync(params OutboundFrame[] frames) => _socket.SendAsync(frames, CancellationToken.None).AsTask().WaitAsync(Timeout);

    [Fact]
    public async Task Batch_GoesOutInOneWrite_InOrder()
    {
        var frames = Enumerable.Range(0, 64).Select(i => Text($"{{\"n\":{i}}}")).ToArray();
        await SendAsync(frames);
        Assert.Equal(1, _client.Writes);
        for (var i = 0; i < 64; i++)
        {
            var frame = await _client.NextFrameAsync();
            Assert.True(frame.Fin);
            Assert.Equal(Opcode.Text, frame.Opcode);
            Assert.Equal($"{{\"n\":{i}}}", frame.Text);
        }
    }

    [Fact]
    public async Task FramesOfEverySize_HaveTheRightHeaders()
    {
        var sizes = new[] { 0, 125, 126, 65535, 65536, 200_000 };
        var frames = sizes.Select(n => new OutboundFrame(Enumerable.Repeat((byte)'q', n).ToArray(), IsText: false)).ToArray();
        await SendAsync(frames);
        foreach (var size in sizes)
        {
            var frame = await _client.NextFrameAsync();
            Assert.Equal(Opcode.Binary, frame.Opcode);
            Assert.Equal(size, frame.Payload.Length);
            Assert.Equal(FrameCodec.HeaderSize(size), frame.HeaderLength);
            Assert.All(frame.Payload, b => Assert.Equal((byte)'q', b));
        }
    }

    [Fact]
    public async Task SharedPayload_IsNeverModified()
    {
        var shared = Encoding.UTF8.GetBytes(new string('s', 3000));
        var copy = shared.ToArray();
        await SendAsync(new OutboundFrame(shared), new OutboundFrame(shared), new OutboundFrame(shared));
        Assert.Equal(copy, shared);
    }

    [Fact]
    public async Task CloseOutput_SendsCodeAndReason_CutToFit_AndEndsSending()
    {
        await _socket.CloseOutputAsync(4000, new string('r', 200), CancellationToken.None).AsTask().WaitAsync(Timeout);
        var close = await _client.NextFrameAsync();
        Assert.Equal(Opcode.Close, close.Opcode);
        Assert.Equal(4000, close.CloseCode);
        Assert.True(close.Payload.Length <= FrameCodec.MaxControlPayload);
        Assert.False(_socket.CanSend);

        await SendAsync(Text("after the close"));
        Assert.True(_client.NothingWritten()); // §5.5.1: no data after a close frame
    }

    [Fact]
    public async Task PongWhileASendIsStuck_FollowsTheBatch_NeverInsideIt()
    {
        _client.CloseGate();
        var sending = SendAsync(Text("one"), Text("two"));
        await _client.SendAsync(ClientFrames.Ping("p"), ClientFrames.Text("x"));
        await _socket.ReceiveAsync(1024, CancellationToken.None).AsTask().WaitAsync(Timeout);
        _client.OpenGate();
        await sending;
        Assert.Equal(["one", "two", "p"], new[] { (await _client.NextFrameAsync()).Text, (await _client.NextFrameAsync()).Text, (await _client.NextFrameAsync()).Text });
    }

    [Fact]
    public async Task Abort_EndsTheConnection()
    {
        _socket.Abort();
        Assert.True(_client.Aborted);
        Assert.False(_socket.CanSend);
    }

    [Fact]
    public async Task AbortAfterACompleteCloseHandshake_LeavesTheConnectionToEndGracefully()
    {
        await _socket.CloseOutputAsync(1000, "bye", CancellationToken.None).AsTask().WaitAsync(Timeout);
        await _client.SendAsync(ClientFrames.Close(1000));
        Assert.Equal(InboundStatus.Closed, (await _socket.ReceiveAsync(1024, CancellationToken.None).AsTask().WaitAsync(Timeout)).Status);
        _socket.Abort();
        Assert.False(_client.Aborted);
    }
}
