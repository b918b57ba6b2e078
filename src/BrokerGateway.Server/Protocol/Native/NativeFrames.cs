using System.Text.Json;
using BrokerGateway.Core.Gateway;

namespace BrokerGateway.Server.Protocol.Native;

/// <summary>
/// One client frame of the native protocol, parsed without building a DOM: the fields every type may
/// use. Unknown fields are ignored, so clients may send more than this version understands.
/// </summary>
public sealed class ClientFrame
{
    public string? Type;
    /// <summary>The raw JSON of <c>id</c> (a number or a string), echoed in the reply as it came.</summary>
    public byte[]? Id;
    public string? Token;
    public string? Room;
    public List<string>? Topics;
    public string? Event;
    public string? Method;
    public byte[]? Data;
    public string? Enc;
    public string? Cursor;
    public int? Limit;

    /// <summary>
    /// A field of the wrong JSON type (a number for <c>room</c>, say), or a string that is no text: the frame is
    /// still this protocol's, so it is answered <c>bad_request</c> with its id, and the connection stays.
    /// </summary>
    public string? Problem;

    /// <summary>Parses one frame; returns null (and the reason) when it is not a JSON object of this protocol.</summary>
    public static ClientFrame? Parse(ReadOnlySpan<byte> json, out string? error)
    {
        error = null;
        var frame = new ClientFrame();
        try
        {
            var r = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject) { error = "a frame must be a JSON object"; return null; }
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                var name = r.GetString();
                if (!r.Read()) break;
                switch (name)
                {
                    case "type":
                        if (r.TokenType != JsonTokenType.String) { error = "type must be a string"; return null; }
                        frame.Type = r.GetString();
                        break;
                    case "id":
                        if (r.TokenType is not (JsonTokenType.Number or JsonTokenType.String)) { error = "id must be a number or a string"; return null; }
                        frame.Id = RawValue(ref r, json);
                        break;
                    case "token": frame.Token = frame.StringOrNull(ref r, name); break;
                    case "room": frame.Room = frame.StringOrNull(ref r, name); break;
                    case "topics":
                        if (r.TokenType != JsonTokenType.StartArray) { frame.Topics = [frame.StringOrNull(ref r, name) ?? ""]; break; }
                        frame.Topics = [];
                        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                            if (frame.StringOrNull(ref r, name) is { } topic) frame.Topics.Add(topic);
                        break;
                    case "topic": frame.Topics = [frame.StringOrNull(ref r, name) ?? ""]; break;
                    case "event": frame.Event = frame.StringOrNull(ref r, name); break;
                    case "method": frame.Method = frame.StringOrNull(ref r, name); break;
                    case "enc": frame.Enc = frame.StringOrNull(ref r, name); break;
                    case "cursor": frame.Cursor = frame.StringOrNull(ref r, name); break;
                    case "limit": frame.Limit = r.TokenType == JsonTokenType.Number && r.TryGetInt32(out var l) ? l : null; break;
                    case "data": frame.Data = RawValue(ref r, json); break;
                    default: r.Skip(); break;
                }
            }
            if (r.TokenType != JsonTokenType.EndObject) { error = "a frame must be one JSON object"; return null; }
            if (r.Read()) { error = "trailing data after the frame"; return null; }
        }
        catch (JsonException)
        {
            error = "malformed JSON";
            return null;
        }
        catch (InvalidOperationException)
        {
            error = "a field has the wrong JSON type";
            return null;
        }
        if (frame.Type is null) { error = "a frame needs a type"; return null; }
        return frame;
    }

    /// <summary>A string field (null for JSON null); anything else is noted as the frame's problem and skipped.</summary>
    string? StringOrNull(ref Utf8JsonReader r, string? name)
    {
        if (r.TokenType == JsonTokenType.Null) return null;
        if (r.TokenType != JsonTokenType.String)
        {
            Problem ??= $"'{name}' must be a string";
            r.Skip();
            return null;
        }
        try
        {
            return r.GetString();
        }
        catch (InvalidOperationException)
        {
            Problem ??= $"'{name}' holds half a surrogate pair: it is not text";
            return null;
        }
    }

    static byte[] RawValue(ref Utf8JsonReader r, ReadOnlySpan<byte> json)
    {
        var start = (int)r.TokenStartIndex;
        r.Skip();
        var end = (int)r.BytesConsumed;
        return json[start..end].ToArray();
    }

    /// <summary>
    /// The payload bytes a client sent as <c>data</c>: a JSON string is its UTF-8 text (or its bytes when
    /// <c>enc</c> is <c>base64</c>); any other JSON value is passed on as JSON.
    /// </summary>
    public (byte[] Bytes, string ContentType) Payload()
    {
        if (Data is null) return ([], "application/octet-stream");
        if (Data.Length > 0 && Data[0] == (byte)'"')
        {
            var r = new Utf8JsonReader(Data);
            r.Read();
            try
            {
                if (Enc == "base64") return (r.GetBytesFromBase64(), "application/octet-stream");
                return (System.Text.Encoding.UTF8.GetBytes(r.GetString()!), "text/plain");
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                // Not base64 when it says so, or half a surrogate pair ("\ud800": a JavaScript string cut inside an emoji).
                throw new GatewayException(ErrorCodes.BadRequest, Enc == "base64" ? "'data' is not base64" : "'data' holds half a surrogate pair: it is not text");
            }
        }
        return (Data, "application/json");
    }
}
