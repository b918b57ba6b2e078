namespace BrokerGateway.Nats;

/// <summary>Where a <see cref="NatsConnection"/> is in its life (digest §5).</summary>
public enum NatsConnectionState
{
    /// <summary>Created; <see cref="NatsConnection.ConnectAsync"/> has not been called yet.</summary>
    NotStarted,
    /// <summary>The first connection is being made.</summary>
    Connecting,
    /// <summary>A server accepted CONNECT; commands flow.</summary>
    Connected,
    /// <summary>The connection was lost; publishes are buffered while a server is sought.</summary>
    Reconnecting,
    /// <summary>Terminal: disposed, drained, or out of reconnect attempts.</summary>
    Closed,
}
