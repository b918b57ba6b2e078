namespace BrokerGateway.Core.Connections;

/// <summary>
/// WebSocket close codes the gateway sends (docs/protocol.md). 4000–4049 mean "reconnect" (with backoff);
/// 4050–4099 mean "do not reconnect as you are" (fix the token or the client first). A client needs no
/// table to decide: the range says it.
/// </summary>
public static class CloseCodes
{
    // Reconnect.
    public const int ServerError = 4000;
    public const int Draining = 4001;
    public const int SlowConsumer = 4002;
    public const int RateLimited = 4003;
    public const int Stale = 4004;

    // Do not reconnect as you are.
    public const int AuthRequired = 4050;
    public const int TokenInvalid = 4051;
    public const int TokenExpired = 4052;
    public const int TokenMalformed = 4053;
    public const int GuestsNotAllowed = 4054;
    public const int Forbidden = 4055;
    public const int Kicked = 4056;
    public const int ProtocolError = 4057;
    public const int MessageTooBig = 4058;
    public const int TooManyConnections = 4059;
    public const int UnsupportedData = 4060;

    public static bool ShouldReconnect(int code) => code is >= 4000 and < 4050;

    public static string Reason(int code) => code switch
    {
        ServerError => "server error",
        Draining => "server draining",
        SlowConsumer => "slow consumer",
        RateLimited => "rate limited",
        Stale => "no activity",
        AuthRequired => "authentication required",
        TokenInvalid => "token invalid",
        TokenExpired => "token expired",
        TokenMalformed => "token malformed",
        GuestsNotAllowed => "guests not allowed",
        Forbidden => "forbidden",
        Kicked => "disconnected by the server",
        ProtocolError => "protocol error",
        MessageTooBig => "message too big",
        TooManyConnections => "too many connections",
        UnsupportedData => "unsupported data",
        _ => "closed",
    };
}
