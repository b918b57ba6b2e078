using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Fanout;

namespace BrokerGateway.Core.Tests.Gateway;

/// <summary>A client protocol whose frames are empty: for tests that look at the node, not at what clients read.</summary>
sealed class SilentDialect : IClientDialect
{
    public static readonly SilentDialect Instance = new();
    public string Name => "silent";
    public OutboundFrame EncodePush(Push push) => new(Array.Empty<byte>());
    public OutboundFrame EncodePresence(PresenceChange change) => new(Array.Empty<byte>());
    public OutboundFrame EncodeReconnect(TimeSpan after) => new(Array.Empty<byte>());
    public OutboundFrame EncodeDisconnect(int code, string reason) => new(Array.Empty<byte>());
}
