using BrokerGateway.Core.Connections;

namespace BrokerGateway.Core.Gateway;

/// <summary>What an authenticated client brings to <see cref="GatewayNode.OpenAsync"/>.</summary>
public sealed record ConnectRequest(string Nsp, string? Uid, IClientDialect Dialect)
{
    /// <summary>Rooms joined on connect (a token's <c>rooms</c> claim): allowed whatever the policy says.</summary>
    public IReadOnlyList<string> Rooms { get; init; } = [];

    /// <summary>Topics subscribed on connect (a token's <c>topics</c> claim).</summary>
    public IReadOnlyList<string> Topics { get; init; } = [];

    /// <summary>Initial session data (a token's <c>info</c> claim).</summary>
    public IReadOnlyDictionary<string, string>? Session { get; init; }

    /// <summary>Remote address, for connection info.</summary>
    public string? RemoteAddress { get; init; }
}
