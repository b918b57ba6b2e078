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

    readonly LabelledCounts<int> _closes = new(CountedCloseCodes, OtherCloseCode);

    /// <summary>Connections this node forgot, by the code they were closed with (the first reason asked for).</summary>
    public IEnumerable<(int Code, long Count)> ClosesByCode => _closes.Counts;

    void CountClose(int code) => _closes.Increment(code);

    /// <summary>The error codes of replies (<see cref="ErrorCodes"/>); any other is counted as "other".</summary>
    public static readonly IReadOnlyList<string> CountedErrorCodes =
    [
        ErrorCodes.BadRequest, ErrorCodes.Forbidden, ErrorCodes.LimitExceeded, ErrorCodes.NotFound,
        ErrorCodes.Unavailable, ErrorCodes.Timeout, ErrorCodes.NoResponders, ErrorCodes.Internal,
    ];

    readonly LabelledCounts<string> _requestErrors = new(CountedErrorCodes, "other");

    /// <summary>Client requests answered with an error, by its code ("other" last).</summary>
    public IEnumerable<(string Code, long Count)> RequestErrorsByCode => _requestErrors.Counts;

    /// <summary>Counts a client request the gateway answered with <paramref name="code"/>.</summary>
    public void CountRequestError(string code) => _requestErrors.Increment(code);
}
