using BrokerGateway.Core.Fanout;

namespace BrokerGateway.Core.Connections;

/// <summary>
/// A client protocol (native JSON, Comet, Nakama, …) as the core needs it: how to encode what the core
/// sends. Parsing client frames stays in the dialect's own transport code; the core sees commands.
/// </summary>
public interface IClientDialect
{
    string Name { get; }

    OutboundFrame EncodePush(Push push);

    OutboundFrame EncodePresence(PresenceChange change);

    /// <summary>Tells the client to reconnect after <paramref name="after"/> (drain).</summary>
    OutboundFrame EncodeReconnect(TimeSpan after);

    /// <summary>The last frame before the close, naming its code and reason.</summary>
    OutboundFrame EncodeDisconnect(int code, string reason);
}
