namespace BrokerGateway.Server.Protocol;

/// <summary>What one client may send, whatever its protocol.</summary>
public sealed record ClientLimits
{
    /// <summary>Largest message a client may send; larger closes with 4058 before it is buffered.</summary>
    public int MaxMessageBytes { get; init; } = 64 * 1024;

    /// <summary>Sustained messages per second per connection; past the burst the client is closed with 4003.</summary>
    public double MessagesPerSecond { get; init; } = 100;

    /// <summary>Messages a client may send at once before the sustained rate applies.</summary>
    public int MessagesBurst { get; init; } = 200;

    /// <summary>RPCs one client may have waiting for a reply.</summary>
    public int RpcInFlight { get; init; } = 16;

    /// <summary>How long a client RPC waits for a worker's reply.</summary>
    public TimeSpan RpcTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often the server expects some traffic; sent to clients in <c>welcome</c>. A socket silent this
    /// long is pinged; silent twice this long, it is closed 4004 (stale). Setting <c>PingIntervalMs</c>.
    /// </summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(25);
}
