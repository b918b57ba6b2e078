using System.Net;
using System.Net.Sockets;
using BrokerGateway.Server.Transport.Framed;

namespace BrokerGateway.Server.Tests.Framing;

/// <summary>The bare socket as the framed socket's stream: writes the kernel has no room for.</summary>
public sealed class SocketStreamTests
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SpanWrite_TheKernelCannotTake_SendsEveryByteInOrder_ThoughTheCallerReusedItsBuffer()
    {
        using var listener = new Socket(SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var server = await listener.AcceptAsync();
        server.SendBufferSize = 4096;
        var stream = new SocketStream(server);

        // Writes from one buffer, refilled after every call (as a stack buffer is), until the kernel is full
        // and a write's rest has to wait; the client reads nothing meanwhile.
        var buffer = new byte[50_000]; // larger than the send buffer: the kernel takes part of a write
        var expected = new MemoryStream();
        ValueTask write = default;
        for (var i = 0; i < 200 && write.IsCompleted; i++)
        {
            buffer.AsSpan().Fill((byte)i);
            expected.Write(buffer);
            write = stream.WriteAsync((ReadOnlySpan<byte>)buffer, CancellationToken.None);
            buffer.AsSpan().Fill(0xEE);
        }
        Assert.False(write.IsCompleted, "the kernel took 10 MB without pushing back");

        var received = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (received.Length < expected.Length)
        {
            var n = await client.ReceiveAsync(chunk.AsMemory(), SocketFlags.None).AsTask().WaitAsync(Timeout);
            Assert.NotEqual(0, n);
            received.Write(chunk, 0, n);
        }
        await write.AsTask().WaitAsync(Timeout);
        Assert.Equal(expected.ToArray(), received.ToArray());
    }
}
