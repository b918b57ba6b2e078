using System.Text.Json;

namespace BrokerGateway.Server.Engine;

/// <summary>
/// Error codes of the connmix engine API (shared/seeds 004): the same numbers, so workers written for
/// connmix handle our errors unchanged.
/// </summary>
public static class EngineErrors
{
    public const int InvalidParams = 101;
    public const int PopFailed = 201;
    public const int AlreadyPopped = 202;
    public const int UnpopFailed = 203;
    public const int CallFailed = 301;
    public const int SendFailed = 401;
}

/// <summary>An engine request: <c>{"m": method, "p": [params], "i": id}</c> (connmix also sends <c>"id"</c>).</summary>
public sealed record EngineRequest(string Method, JsonElement Params, JsonElement? Id)
{
    public static EngineRequest? Parse(ReadOnlyMemory<byte> json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            if (!root.TryGetProperty("m", out var m) || m.ValueKind != JsonValueKind.String) return null;
            var p = root.TryGetProperty("p", out var pv) ? pv.Clone() : default;
            JsonElement? id = root.TryGetProperty("i", out var iv) ? iv.Clone() : root.TryGetProperty("id", out var idv) ? idv.Clone() : null;
            return new EngineRequest(m.GetString()!, p, id);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null; // not JSON, or a method name that is no Unicode text (a lone surrogate escape)
        }
    }
}

/// <summary>A failure to report with a connmix error code.</summary>
public sealed class EngineException(int code, string message) : Exception(message)
{
    public int Code { get; } = code;
}
