using System.Buffers;
using System.Text.Json;
using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Fanout;
using BrokerGateway.Core.Presence;

namespace BrokerGateway.Server.Protocol.Native;

/// <summary>Encodes what the gateway sends in the native JSON protocol (docs/protocol.md).</summary>
public sealed class NativeDialect : IClientDialect
{
    public static readonly NativeDialect Instance = new();

    public string Name => "native";

    public OutboundFrame EncodePush(Push push) => Frame(w =>
    {
        w.WriteString("type", "push");
        w.WriteStartObject("target");
        w.WriteString("kind", push.Target.KindName);
        if (push.Target.Id.Length > 0) w.WriteString("id", push.Target.Id);
        w.WriteEndObject();
        w.WriteString("event", push.Event);
        var data = push.Data.Span;
        Payload.Write(w, "data", data, Payload.Classify(data, push.ContentType));
    });

    public OutboundFrame EncodePresence(PresenceChange change) => Frame(w =>
    {
        w.WriteString("type", "presence");
        w.WriteString("room", change.Room);
        WriteMembers(w, "joins", change.Joins);
        WriteMembers(w, "leaves", change.Leaves);
    });

    public OutboundFrame EncodeReconnect(TimeSpan after) => Frame(w =>
    {
        w.WriteString("type", "reconnect");
        w.WriteNumber("after_ms", (long)after.TotalMilliseconds);
    });

    public OutboundFrame EncodeDisconnect(int code, string reason) => Frame(w =>
    {
        w.WriteString("type", "disconnect");
        w.WriteNumber("code", code);
        w.WriteString("reason", reason);
        w.WriteBoolean("reconnect", CloseCodes.ShouldReconnect(code));
    });

    internal static void WriteMembers(Utf8JsonWriter w, string name, IReadOnlyList<Member> members)
    {
        w.WriteStartArray(name);
        foreach (var m in members)
        {
            w.WriteStartObject();
            w.WriteString("conn", m.Conn);
            if (m.Uid is null) w.WriteNull("uid"); else w.WriteString("uid", m.Uid);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>Writes one JSON object and returns it as an exact-size frame.</summary>
    internal static OutboundFrame Frame(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return new OutboundFrame(buffer.WrittenSpan.ToArray());
    }
}
