using BrokerGateway.Core.Connections;

namespace BrokerGateway.Core.Gateway;

public sealed partial class GatewayNode
{
    /// <summary>
    /// The close codes counted one by one: the gateway's own (docs/protocol.md) and the three a socket's end
    /// maps to (1000 closed by the client, 1006 lost, 1007 invalid text). Any other is counted as
    /// <see cref="OtherCloseCode"/>, so a metric labelled by code has a bounded set of series.
    /// </summary>
    public static readonly IReadOnlyList<int> CountedCloseCodes =
    [
        1000, 1006, 1007,
        CloseCodes.ServerError, CloseCodes.Draining, CloseCodes.SlowConsumer, CloseCodes.RateLimited, CloseCodes.Stale,
        CloseCodes.AuthRequired, CloseCodes.TokenInvalid, CloseCodes.TokenExpired, CloseCodes.TokenMalformed,
        CloseCodes.GuestsNotAllowed, CloseCodes.Forbidden, CloseCodes.Kicked, CloseCodes.ProtocolError,
        CloseCodes.MessageTooBig, CloseCodes.TooManyConnections, CloseCodes.UnsupportedData,
    ];

    /// <summary>Stands for every code not in <see cref="CountedCloseCodes"/>.</summary>
    public const int OtherCloseCode = 0;

    readonly long[] _closes = new long[CountedCloseCodes.Count + 1];

    /// <summary>Connections this node forgot, by the code they were closed with (the first reason asked for).</summary>
    public IEnumerable<(int Code, long Count)> ClosesByCode =>
        CountedCloseCodes.Select((code, i) => (code, Interlocked.Read(ref _closes[i])))
            .Append((OtherCloseCode, Interlocked.Read(ref _closes[^1])));

    void CountClose(int code)
    {
        var i = 0;
        while (i < CountedCloseCodes.Count && CountedCloseCodes[i] != code) i++;
        Interlocked.Increment(ref _closes[i]);
    }
}
