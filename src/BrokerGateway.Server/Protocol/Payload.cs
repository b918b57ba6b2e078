using System.Text;
using System.Text.Json;

namespace BrokerGateway.Server.Protocol;

/// <summary>
/// How opaque push bytes travel inside a JSON frame (DESIGN §4): JSON is embedded as JSON, other UTF-8
/// as a string, anything else as base64 with <c>"enc":"base64"</c>.
/// </summary>
public enum PayloadKind : byte { Json, Text, Binary }

public static class Payload
{
    static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    public static PayloadKind Classify(ReadOnlySpan<byte> data, string? contentType)
    {
        switch (contentType)
        {
            case "application/json" when IsJson(data): return PayloadKind.Json;
            case "text/plain" when IsUtf8(data): return PayloadKind.Text;
            case "application/octet-stream": return PayloadKind.Binary;
        }
        if (IsJson(data)) return PayloadKind.Json;
        return IsUtf8(data) ? PayloadKind.Text : PayloadKind.Binary;
    }

    /// <summary>Writes the payload as the value of <paramref name="name"/> (and an <c>enc</c> property for binary).</summary>
    public static void Write(Utf8JsonWriter writer, string name, ReadOnlySpan<byte> data, PayloadKind kind)
    {
        switch (kind)
        {
            case PayloadKind.Json:
                writer.WritePropertyName(name);
                writer.WriteRawValue(data, skipInputValidation: true); // validated by Classify
                break;
            case PayloadKind.Text:
                writer.WriteString(name, data); // UTF-8 bytes, escaped as needed
                break;
            default:
                writer.WriteBase64String(name, data);
                writer.WriteString("enc", "base64");
                break;
        }
    }

    static bool IsJson(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) return false;
        var first = data[0];
        // Cheap gate before a full parse: JSON texts start with one of these after optional whitespace.
        if (first is not ((byte)'{' or (byte)'[' or (byte)'"' or (byte)'-' or (byte)'t' or (byte)'f' or (byte)'n' or >= (byte)'0' and <= (byte)'9' or (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t'))
            return false;
        try
        {
            var reader = new Utf8JsonReader(data, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            while (reader.Read()) { }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    static bool IsUtf8(ReadOnlySpan<byte> data)
    {
        try
        {
            StrictUtf8.GetCharCount(data);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
