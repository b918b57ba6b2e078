namespace BrokerGateway.Nats.Tests.Support;

/// <summary>TCP, counting socket writes: the way to see how commands are coalesced.</summary>
sealed class CountingTransportFactory : INatsTransportFactory
{
    int _sends;
    public int Sends => Volatile.Read(ref _sends);

    public async ValueTask<INatsTransport> ConnectAsync(string host, int port, CancellationToken cancellationToken) =>
        new Counting(await TcpTransportFactory.Instance.ConnectAsync(host, port, cancellationToken), this);

    sealed class Counting(INatsTransport inner, CountingTransportFactory owner) : INatsTransport
    {
        public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) => inner.ReceiveAsync(buffer, cancellationToken);

        public ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref owner._sends);
            return inner.SendAsync(data, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
