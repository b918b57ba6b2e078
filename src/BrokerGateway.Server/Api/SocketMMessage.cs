using System.Buffers;
using System.Text.Json;
using Api;

namespace BrokerGateway.Server.Api;

/// <summary>
/// How a SocketM <c>Message</c> reaches clients (docs/api.md "Message on the wire"): the push's event is
/// <c>evt</c> (empty: <c>message</c>), and its payload is a JSON object with the four fields as strings,
/// in field order: <c>{"ver":…,"meta":…,"evt":…,"id":…}</c>. <c>meta</c> stays the string it was (the
/// seed's <c>Any meta</c> became a string), so nothing is re-encoded on the way.
/// </summary>
public static class SocketMMessage
{
    public static PushArgs ToPush(Message? message, string field)
    {
        if (message is null) throw ApiErrors.Invalid($"{field} is missing.");
        var buffer = new ArrayBufferWriter<byte>(64 + message.Meta.Length);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("ver", message.Ver);
            w.WriteString("meta", message.Meta);
            w.WriteString("evt", message.Evt);
            w.WriteString("id", message.Id);
            w.WriteEndObject();
        }
        return new PushArgs(buffer.WrittenMemory, ApiArguments.HeaderText(message.Evt, $"{field}.evt"), "application/json", null);
    }
}
