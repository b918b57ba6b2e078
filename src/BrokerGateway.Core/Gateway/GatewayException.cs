namespace BrokerGateway.Core.Gateway;

/// <summary>A request the gateway refuses, with a stable code a client or backend can act on.</summary>
public sealed class GatewayException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>Error codes in replies (docs/protocol.md).</summary>
public static class ErrorCodes
{
    public const string BadRequest = "bad_request";
    public const string Forbidden = "forbidden";
    public const string LimitExceeded = "limit_exceeded";
    public const string NotFound = "not_found";
    public const string Unavailable = "unavailable";
    public const string Timeout = "timeout";
    public const string NoResponders = "no_responders";
    public const string Internal = "internal";
}
