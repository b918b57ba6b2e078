using System.Text;
using BrokerGateway.Core.Connections;
using BrokerGateway.Server.Tests.Framing.Support;
using BrokerGateway.Server.Transport.Framed;

namespace BrokerGateway.Server.Tests.Framing;

/// <summary>Writing server frames straight into the connection's output pipe (a connection taken below HTTP).</summary>
public sealed class FramedSocketPipeSendTests : IDisposable
{
    static readonly TimeSpan Timeout = MemoryTransport.Timeout;

    readonly MemoryTransport _client = new();
    readonly FramedClientSocket _socket;

    public FramedSocketPipeSendTests() => _socket = _client.CreatePipeSocket();

    public void Dispose() => _socket.Dispose();

    Task SendAsync(params OutboundFrame[] frames) => _socket.SendAsync(frames, CancellationToken.None).AsTask().WaitAsync(Timeout);

    [Fact]
    public async Task ABatch_ArrivesWhole_InOrder()
    {
        await SendAsync([.. Enumerable.Range(0, 64).Select(i => new OutboundFrame(Encoding.UTF8.GetBytes($"{{\"n\":{i}}}")))]);
        for (var i = 0; i < 64; i++) Assert.Equal($"{{\"n\":{i}}}", (await _client.NextFrameAsync()).Text);
    }

    [Fact]
    public async Task FramesOfEverySize_HaveTheRightHeaders_AcrossThePipesSegments()
    {
        var sizes = new[] { 0, 125, 126, 4095, 4096, 65535, 65536, 200_000 };
        await SendAsync([.. sizes.Select(n => new OutboundFrame(Enumerable.Repeat((byte)'q', n).ToArray(), IsText: false))]);
        foreach (var size in sizes)
        {
            var frame = await _client.NextFrameAsync();
            Assert.Equal(Opcode.Binary, frame.Opcode);
            Assert.Equal(FrameCodec.HeaderSize(size), frame.HeaderLength);
            Assert.Equal(size, frame.Payload.Length);
            Assert.All(frame.Payload, b => Assert.Equal((byte)'q', b));
        }
    }

    [Fact]
    public async Task TheCloseFrame_ComesLast_AndNothingFollowsIt()
    {
        await SendAsync(new OutboundFrame("{\"type\":\"bye\"}"u8.ToArray()));
        await _socket.CloseOutputAsync(4001, "going", CancellationToken.None).AsTask().WaitAsync(Timeout);
        await SendAsync(new OutboundFrame("{\"late\":true}"u8.ToArray()));

        Assert.Equal("{\"type\":\"bye\"}", (await _client.NextFrameAsync()).Text);
        var close = await _client.NextFrameAsync();
        Assert.Equal(Opcode.Close, close.Opcode);
        Assert.Equal(4001, close.CloseCode);
        Assert.Equal("going", close.CloseReason);
        Assert.True(_client.NothingWritten());
        Assert.False(_socket.CanSend);
    }
}
