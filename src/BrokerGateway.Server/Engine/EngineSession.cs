using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using BrokerGateway.Contracts.Events;
using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Fanout;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Core.Connections;
using BrokerGateway.Grpc;
using BrokerGateway.Server.Api;
using BrokerGateway.Server.Transport;
using BrokerGateway.Server.Uplink;
using Google.Protobuf;

namespace BrokerGateway.Server.Engine;

/// <summary>
/// One engine worker's socket: its requests, and the queues it pops. A queue named <c>q</c> is the NATS
/// queue group <c>connmix.q</c> on <c>bgw.&lt;nsp&gt;.events.q</c>, so events from every replica are
/// shared among all workers that pop <c>q</c>, each event to one of them.
/// </summary>
public sealed class EngineSession(IClientSocket socket, string nsp, GatewayNode node) : IAsyncDisposable
{
    static readonly JsonParser EventJson = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    readonly SemaphoreSlim _sending = new(1, 1);
    readonly Dictionary<string, IAsyncDisposable> _queues = [];

    public async Task HandleAsync(ReadOnlyMemory<byte> frame)
    {
        var request = EngineRequest.Parse(frame);
        if (request is null)
        {
            await SendAsync(w => WriteError(w, null, EngineErrors.InvalidParams, "a request is {\"m\":method,\"p\":[params],\"i\":id}"));
            return;
        }
        try
        {
            var result = request.Method switch
            {
                "server.ping" => Result(w => w.WriteString("s", "server.pong")),
                "queue.pop" => await PopAsync(request.Params),
                "queue.unpop" => await UnpopAsync(),
                "conn.call" => await CallAsync(request.Params),
                "mesh.send" => await MeshSendAsync(request.Params),
                "mesh.publish" => await MeshPublishAsync(request.Params),
                _ => throw new EngineException(EngineErrors.InvalidParams, $"unknown method '{request.Method}'"),
            };
            await SendAsync(w =>
            {
                w.WriteNull("E");
                w.WriteStartObject("r");
                result(w);
                w.WriteEndObject();
                WriteId(w, request.Id);
            });
        }
        catch (EngineException e)
        {
            await SendAsync(w => WriteError(w, request.Id, e.Code, e.Message));
        }
    }

    static Action<Utf8JsonWriter> Result(Action<Utf8JsonWriter> body) => body;
    static readonly Action<Utf8JsonWriter> Ok = w => w.WriteBoolean("s", true);

    async Task<Action<Utf8JsonWriter>> PopAsync(JsonElement p)
    {
        var names = Strings(p);
        if (names.Count == 0 || names.Any(n => n.Length is 0 or > 128))
            throw new EngineException(EngineErrors.InvalidParams, "queue.pop takes queue names: [\"name\", …]");
        foreach (var name in names)
        {
            if (_queues.ContainsKey(name)) throw new EngineException(EngineErrors.AlreadyPopped, $"queue '{name}' is already popped on this connection");
            try
            {
                _queues[name] = await node.Broker.SubscribeAsync(node.Subjects.Events(nsp, name), m => DeliverAsync(name, m), "connmix." + SubjectToken.Encode(name));
            }
            catch (Exception e) when (e is not EngineException)
            {
                throw new EngineException(EngineErrors.PopFailed, $"queue '{name}' could not be consumed: the broker is unreachable");
            }
        }
        return Ok;
    }

    async Task<Action<Utf8JsonWriter>> UnpopAsync()
    {
        try
        {
            await ReleaseQueuesAsync();
        }
        catch (Exception)
        {
            throw new EngineException(EngineErrors.UnpopFailed, "the queues could not be released; retry");
        }
        return Ok;
    }

    /// <summary>conn.call: set_context, set_context_value, subscribe, unsubscribe on connections anywhere.</summary>
    async Task<Action<Utf8JsonWriter>> CallAsync(JsonElement p)
    {
        if (p.ValueKind != JsonValueKind.Array || p.GetArrayLength() == 0)
            throw new EngineException(EngineErrors.InvalidParams, "conn.call takes [{\"c\":conn,\"f\":function,\"a\":[args]}]");
        foreach (var call in p.EnumerateArray())
        {
            var conn = Text(call, "c");
            var function = Text(call, "f");
            var args = call.ValueKind == JsonValueKind.Object && call.TryGetProperty("a", out var a) && a.ValueKind == JsonValueKind.Array ? a : default;
            if (conn is null || function is null || args.ValueKind != JsonValueKind.Array)
                throw new EngineException(EngineErrors.InvalidParams, "each call needs c (connection), f (function) and a (arguments)");
            Checked(() => ApiArguments.Id(conn, "c"));
            var (op, headers, body) = function switch
            {
                "set_context_value" when args.GetArrayLength() == 2 && args[0].ValueKind == JsonValueKind.String =>
                    (Ops.SetSession, null, Session(new() { [String(args[0])] = Value(args[1]) })),
                "set_context" when args.GetArrayLength() == 1 && args[0].ValueKind == JsonValueKind.Object =>
                    (Ops.SetSession, new MessageHeaders().Add(BgwHeaders.Replace, "true"), Session(Context(args[0]))),
                "subscribe" or "unsubscribe" when args.GetArrayLength() > 0 && args.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String) =>
                    (function == "subscribe" ? Ops.Subscribe : Ops.Unsubscribe, Topics(args), Array.Empty<byte>()),
                _ => throw new EngineException(EngineErrors.InvalidParams, $"'{function}' takes other arguments, or is not a function: set_context, set_context_value, subscribe, unsubscribe"),
            };
            try
            {
                if (await node.Presence.GetConnectionAsync(nsp, conn) is null)
                    throw new EngineException(EngineErrors.CallFailed, $"connection '{conn}' is not online");
                await node.CommandAsync(Target.Connection(conn), op, headers, body);
            }
            catch (Exception e) when (e is not EngineException)
            {
                throw new EngineException(EngineErrors.CallFailed, $"'{function}' on '{conn}' failed: the cluster is unreachable");
            }
        }
        return Ok;
    }

    /// <summary>mesh.send: to connections anywhere; f counts those not online, t all of them.</summary>
    async Task<Action<Utf8JsonWriter>> MeshSendAsync(JsonElement p)
    {
        var sends = Pairs(p, "mesh.send takes [{\"c\":conn,\"d\":data}]", static c => ApiArguments.Id(c, "c"));
        int failed = 0;
        try
        {
            foreach (var (conn, data, contentType) in sends)
            {
                if (await node.Presence.GetConnectionAsync(nsp, conn) is null) { failed++; continue; }
                await node.PublishAsync(Target.Connection(conn), data, contentType: contentType);
            }
        }
        catch (Exception)
        {
            throw new EngineException(EngineErrors.SendFailed, "the cluster is unreachable; retry");
        }
        return w => { w.WriteBoolean("s", true); w.WriteNumber("f", failed); w.WriteNumber("t", sends.Count); };
    }

    /// <summary>mesh.publish: to channels (our topics); t counts the subscribed connections reached, f the channels nobody holds.</summary>
    async Task<Action<Utf8JsonWriter>> MeshPublishAsync(JsonElement p)
    {
        var publishes = Pairs(p, "mesh.publish takes [{\"c\":channel,\"d\":data}]", static c => ApiArguments.Group(c, "c", inHeader: false));
        long reached = 0;
        int failed = 0;
        try
        {
            foreach (var (channel, data, contentType) in publishes)
            {
                var members = await node.Presence.CountTopicMembersAsync(nsp, channel);
                if (members == 0) { failed++; continue; }
                await node.PublishAsync(Target.Topic(nsp, channel), data, contentType: contentType);
                reached += members;
            }
        }
        catch (Exception)
        {
            throw new EngineException(EngineErrors.SendFailed, "the cluster is unreachable; retry");
        }
        return w => { w.WriteBoolean("s", true); w.WriteNumber("f", failed); w.WriteNumber("t", reached); };
    }

    /// <summary>A popped event, in connmix's shape: <c>{"e":"queue.pop","p":{"c":conn,"t":queue,"d":{"ctx":…,"msg":…}},"id":null}</c>.</summary>
    async ValueTask DeliverAsync(string queue, BrokerMessage message)
    {
        ClientEvent evt;
        try
        {
            evt = message.Headers?[UplinkPublisher.ContentTypeHeader] == "application/json"
                ? EventJson.Parse<ClientEvent>(Encoding.UTF8.GetString(message.Data.Span))
                : ClientEvent.Parser.ParseFrom(message.Data.Span);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException)
        {
            return;
        }
        try
        {
            await SendAsync(w =>
            {
                w.WriteString("e", "queue.pop");
                w.WriteStartObject("p");
                w.WriteString("c", evt.Conn);
                w.WriteString("t", queue);
                w.WriteStartObject("d");
                w.WriteStartObject("ctx");
                foreach (var (k, v) in evt.Session) w.WriteString(k, v);
                w.WriteEndObject();
                WriteMessage(w, evt);
                w.WriteString("kind", evt.KindCase.ToString().ToLowerInvariant());
                w.WriteString("uid", evt.Uid);
                w.WriteNumber("seq", evt.Seq);
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteNull("id");
            });
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The worker is gone; its queues are released when its session ends.
        }
    }

    static void WriteMessage(Utf8JsonWriter w, ClientEvent evt)
    {
        switch (evt.KindCase)
        {
            case ClientEvent.KindOneofCase.Message:
                var data = evt.Message.Data.Span;
                if (IsUtf8(data)) w.WriteString("msg", data);
                else { w.WriteBase64String("msg", data); w.WriteString("enc", "base64"); }
                w.WriteString("event", evt.Message.Event);
                break;
            case ClientEvent.KindOneofCase.Membership:
                w.WriteString("msg", evt.Membership.Name);
                break;
            case ClientEvent.KindOneofCase.Close:
                w.WriteString("msg", evt.Close.Reason);
                w.WriteNumber("code", evt.Close.Code);
                break;
            default:
                w.WriteString("msg", "");
                break;
        }
    }

    static bool IsUtf8(ReadOnlySpan<byte> data) => System.Text.Unicode.Utf8.IsValid(data);

    async Task SendAsync(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        await _sending.WaitAsync();
        try
        {
            await socket.SendAsync(new[] { new OutboundFrame(buffer.WrittenMemory) }, CancellationToken.None);
        }
        finally
        {
            _sending.Release();
        }
    }

    static void WriteError(Utf8JsonWriter w, JsonElement? id, int code, string message)
    {
        w.WriteStartObject("E");
        w.WriteNumber("c", code);
        w.WriteString("m", message);
        w.WriteEndObject();
        WriteId(w, id);
    }

    static void WriteId(Utf8JsonWriter w, JsonElement? id)
    {
        w.WritePropertyName("i");
        if (id is { } value) value.WriteTo(w); else w.WriteNullValue();
    }

    static List<string> Strings(JsonElement p) =>
        p.ValueKind == JsonValueKind.Array && p.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String)
            ? p.EnumerateArray().Select(String).ToList()
            : [];

    static string? Text(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && String(v) is { Length: > 0 } s ? s : null;

    /// <summary>
    /// A JSON string as .NET text. JSON lets an escape name half a surrogate pair (<c>"\ud800"</c>), which is
    /// no text at all: refused as a parameter.
    /// </summary>
    static string String(JsonElement v)
    {
        try
        {
            return v.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new EngineException(EngineErrors.InvalidParams, "a string holds half a surrogate pair: it is not Unicode text");
        }
    }

    /// <summary>The gRPC API's checks on ids and names, answered with the engine's code for bad parameters.</summary>
    static void Checked(Action check)
    {
        try
        {
            check();
        }
        catch (GrpcException e)
        {
            throw new EngineException(EngineErrors.InvalidParams, e.Detail);
        }
    }

    /// <summary>A context value as the session keeps it: strings as they are, anything else as JSON text.</summary>
    static string? Value(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => String(v),
        JsonValueKind.Null => null,
        _ => v.GetRawText(),
    };

    /// <summary>A context object; a key given twice keeps its last value, as JavaScript's JSON.parse does.</summary>
    static Dictionary<string, string?> Context(JsonElement o)
    {
        var values = new Dictionary<string, string?>();
        foreach (var e in o.EnumerateObject()) values[e.Name] = Value(e.Value);
        return values;
    }

    static MessageHeaders Topics(JsonElement args)
    {
        var headers = new MessageHeaders();
        var i = 0;
        foreach (var t in args.EnumerateArray())
        {
            var topic = String(t);
            var field = $"a[{i++}]";
            Checked(() => ApiArguments.Group(topic, field, inHeader: true));
            headers.Add(BgwHeaders.Topic, topic);
        }
        return headers;
    }

    static byte[] Session(Dictionary<string, string?> values) => JsonSerializer.SerializeToUtf8Bytes(values);

    static List<(string Target, byte[] Data, string ContentType)> Pairs(JsonElement p, string usage, Func<string, string> check)
    {
        if (p.ValueKind != JsonValueKind.Array || p.GetArrayLength() == 0) throw new EngineException(EngineErrors.InvalidParams, usage);
        var pairs = new List<(string, byte[], string)>();
        foreach (var item in p.EnumerateArray())
        {
            var target = Text(item, "c");
            if (target is null || !item.TryGetProperty("d", out var d)) throw new EngineException(EngineErrors.InvalidParams, usage);
            Checked(() => check(target));
            // A string travels as its text; any other JSON value as JSON (clients see it embedded).
            pairs.Add(d.ValueKind == JsonValueKind.String
                ? (target, Encoding.UTF8.GetBytes(String(d)), "text/plain")
                : (target, Encoding.UTF8.GetBytes(d.GetRawText()), "application/json"));
        }
        return pairs;
    }

    async Task ReleaseQueuesAsync()
    {
        foreach (var queue in _queues.Values) await queue.DisposeAsync();
        _queues.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        try { await ReleaseQueuesAsync(); } catch (Exception) { }
        _sending.Dispose();
    }
}
