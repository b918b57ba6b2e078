namespace BrokerGateway.Nats.Internal;

enum ServerOpKind : byte { Msg, HMsg, Ping, Pong, Ok, Err, Info }

/// <summary>
/// One parsed server command. Positions are offsets into the frame the parser was given; the frame stays valid
/// until the reader receives again, so the op is used at once and never kept.
/// </summary>
readonly record struct ServerOp(ServerOpKind Kind)
{
    public int SubjectStart { get; init; }
    public int SubjectLength { get; init; }
    public long Sid { get; init; }
    /// <summary>-1 when the message has no reply subject.</summary>
    public int ReplyStart { get; init; } = -1;
    public int ReplyLength { get; init; }
    public int HeaderLength { get; init; }
    /// <summary>Header plus payload bytes.</summary>
    public int TotalLength { get; init; }
    public int PayloadStart { get; init; }
    /// <summary>INFO's JSON or -ERR's text.</summary>
    public int ArgStart { get; init; }
    public int ArgLength { get; init; }
}
