namespace BrokerGateway.Nats;

/// <summary>
/// One byte stream to one NATS server. The connection owns it: one reader loop calls
/// <see cref="ReceiveAsync"/> and one writer loop calls <see cref="SendAsync"/>, never two of either at once.
/// Disposing it must make a pending receive or send finish (with an exception or 0), so the loops end.
/// </summary>
public interface INatsTransport : IAsyncDisposable
{
    /// <summary>Reads available bytes into <paramref name="buffer"/>; 0 means the server closed the stream.</summary>
    ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Writes all of <paramref name="data"/> (loops over partial sends).</summary>
    ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}

/// <summary>
/// Opens transports. The seam exists so tests and tools can put a fake server, a proxy or a frame
/// counter between the client and the network (nats.net's <c>INatsSocketConnectionFactory</c>).
/// </summary>
public interface INatsTransportFactory
{
    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/>; the token carries the connect timeout.</summary>
    ValueTask<INatsTransport> ConnectAsync(string host, int port, CancellationToken cancellationToken);
}
