using System.Text.Json;
using BrokerGateway.Core.Connections;

namespace BrokerGateway.Server.Protocol.Native;

/// <summary>The frames of the native protocol that answer one client.</summary>
public static class NativeReplies
{
    public static OutboundFrame Welcome(ClientConnection c, TimeSpan pingInterval) => NativeDialect.Frame(w =>
    {
        w.WriteString("type", "welcome");
        w.WriteString("conn", c.Id);
        if (c.Uid is null) w.WriteNull("uid"); else w.WriteString("uid", c.Uid);
        w.WriteString("nsp", c.Nsp);
        w.WriteString("node", c.Node);
        w.WriteNumber("ping_interval_ms", (long)pingInterval.TotalMilliseconds);
        w.WriteStartArray("rooms");
        foreach (var room in c.Rooms) w.WriteStringValue(room);
        w.WriteEndArray();
        w.WriteStartArray("topics");
        foreach (var topic in c.Topics) w.WriteStringValue(topic);
        w.WriteEndArray();
    });

    public static OutboundFrame Pong(byte[]? id) => NativeDialect.Frame(w =>
    {
        w.WriteString("type", "pong");
        if (id is not null) { w.WritePropertyName("id"); w.WriteRawValue(id, skipInputValidation: true); }
    });

    public static OutboundFrame Ok(byte[]? id, Action<Utf8JsonWriter>? data = null) => NativeDialect.Frame(w =>
    {
        w.WriteString("type", "reply");
        if (id is not null) { w.WritePropertyName("id"); w.WriteRawValue(id, skipInputValidation: true); }
        if (data is null) w.WriteBoolean("data", true);
        else { w.WritePropertyName("data"); data(w); }
    });

    /// <summary>A reply whose data is opaque bytes from a backend, embedded as <see cref="Payload"/> says.</summary>
    public static OutboundFrame OkPayload(byte[]? id, ReadOnlyMemory<byte> payload) => NativeDialect.Frame(w =>
    {
        w.WriteString("type", "reply");
        if (id is not null) { w.WritePropertyName("id"); w.WriteRawValue(id, skipInputValidation: true); }
        Payload.Write(w, "data", payload.Span, Payload.Classify(payload.Span, null));
    });

    public static OutboundFrame Error(byte[]? id, string code, string message) => NativeDialect.Frame(w =>
    {
        w.WriteString("type", "reply");
        if (id is not null) { w.WritePropertyName("id"); w.WriteRawValue(id, skipInputValidation: true); }
        w.WriteStartObject("error");
        w.WriteString("code", code);
        w.WriteString("message", message);
        w.WriteEndObject();
    });
}
