using BrokerGateway.Contracts.Events;
using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Core.Presence;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace BrokerGateway.Server.Uplink;

/// <summary>How client events are encoded on the wire.</summary>
public enum EventFormat
{
    /// <summary>The protobuf <c>bgw.v1.ClientEvent</c> (protos/bgw/v1/events.proto).</summary>
    Protobuf,

    /// <summary>The same message in the protobuf JSON mapping, for workers without protobuf.</summary>
    Json,
}

/// <summary>
/// Publishes what clients do on <c>bgw.&lt;nsp&gt;.events.&lt;kind&gt;</c> (DESIGN §4, docs/events.md):
/// open, close, message, join, leave, subscribe, unsubscribe. Workers share them through NATS queue groups.
/// </summary>
/// <remarks>
/// A connection's sequence number is taken and its event handed to the broker under one lock, so the
/// broker sees each connection's events in sequence order; a worker of a queue group sees its share of
/// them in that order too.
/// </remarks>
public sealed class UplinkPublisher
{
    public const string ContentTypeHeader = "Content-Type";
    static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    readonly GatewayNode _node;
    readonly EventFormat _format;
    readonly MessageHeaders _headers; // shared by every event, never changed

    public UplinkPublisher(GatewayNode node, EventFormat format)
    {
        _node = node;
        _format = format;
        _headers = new MessageHeaders().Add(ContentTypeHeader, format == EventFormat.Json ? "application/json" : "application/protobuf").Freeze();
        node.ConnectionOpened += c => Fire(c, "open", e => e.Open = new Opened
        {
            RemoteAddress = c.RemoteAddress ?? "",
            Rooms = { c.Rooms },
            Topics = { c.Topics },
        });
        node.ConnectionClosed += (c, code) => Fire(c, "close", e => e.Close = new Closed
        {
            Code = code,
            Reason = c.CloseRequested.IsCompleted ? c.CloseRequested.Result.Reason : "",
            DurationMs = (long)(DateTimeOffset.UtcNow - c.ConnectedAt).TotalMilliseconds,
        });
        node.MembershipChanged += (c, action, name) => Fire(c, action, e => e.Membership = new MembershipChanged { Action = action, Name = name });
        node.ConnectionSwept += OnSwept;
    }

    /// <summary>Encodes an event that goes nowhere, so the encoder's code is loaded (see <c>Warmup</c>).</summary>
    public void WarmUp() => Encode(new ClientEvent { Conn = "warm-up", Session = { ["k"] = "v" }, Open = new Opened { Rooms = { "r" } } });

    /// <summary>Events that could not be handed to the broker (it was down and its buffer full).</summary>
    public long Failed => Interlocked.Read(ref _failed);
    long _failed;

    /// <summary>
    /// A client's <c>send</c>. Returns false when no worker listens on <c>events.message</c> (the client is
    /// told <c>no_responders</c>), true once the broker took it.
    /// </summary>
    public async Task<bool> SendAsync(ClientConnection connection, string @event, ReadOnlyMemory<byte> data, string contentType, bool checkListeners)
    {
        // The payload is the session's own copy of what the client sent: wrapped, not copied again.
        var message = new ClientMessage { Event = @event, Data = UnsafeByteOperations.UnsafeWrap(data), ContentType = contentType };
        var subject = _node.Subjects.Events(connection.Nsp, "message");
        try
        {
            if (checkListeners)
            {
                Task<bool> checkedPublish;
                lock (connection) checkedPublish = _node.Broker.PublishCheckedAsync(subject, Encode(Envelope(connection, e => e.Message = message)), _headers);
                return await checkedPublish;
            }
            ValueTask publish;
            lock (connection) publish = _node.Broker.PublishAsync(subject, Encode(Envelope(connection, e => e.Message = message)), _headers);
            await publish;
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new GatewayException(ErrorCodes.Unavailable, "the message could not be handed to the business side; retry");
        }
    }

    /// <summary>Hands an event to the broker; a failure is counted, never thrown into the node's open or close.</summary>
    void Fire(ClientConnection connection, string kind, Action<ClientEvent> fill)
    {
        ValueTask publishing;
        try
        {
            lock (connection)
            {
                var evt = Envelope(connection, fill);
                publishing = _node.Broker.PublishAsync(_node.Subjects.Events(connection.Nsp, kind), Encode(evt), _headers);
            }
        }
        catch (Exception e)
        {
            publishing = ValueTask.FromException(e); // counted below, as a publish that fails later is
        }
        _ = Observe(publishing);
    }

    void OnSwept(ConnectionState state)
    {
        // The dead node's own sequence is lost with it; a swept close carries seq 0 and swept = true.
        var evt = new ClientEvent
        {
            Conn = state.Conn,
            Uid = state.Uid ?? "",
            Nsp = state.Nsp,
            Node = state.Node,
            TimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            Close = new Closed { Code = 1006, Reason = "node lost", Swept = true, DurationMs = (long)(DateTimeOffset.UtcNow - state.ConnectedAt).TotalMilliseconds },
        };
        Copy(state.Session, evt.Session);
        _ = Observe(_node.Broker.PublishAsync(_node.Subjects.Events(state.Nsp, "close"), Encode(evt), _headers));
    }

    ClientEvent Envelope(ClientConnection c, Action<ClientEvent> fill)
    {
        var evt = new ClientEvent
        {
            Conn = c.Id,
            Uid = c.Uid ?? "",
            Nsp = c.Nsp,
            Node = _node.NodeId,
            Seq = (ulong)c.NextSequence(),
            TimeMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        };
        Copy(c.Session, evt.Session);
        fill(evt);
        return evt;
    }

    static void Copy(IReadOnlyDictionary<string, string> from, MapField<string, string> to)
    {
        foreach (var (k, v) in from) to[k] = v;
    }

    byte[] Encode(ClientEvent evt) => _format == EventFormat.Json
        ? System.Text.Encoding.UTF8.GetBytes(Json.Format(evt))
        : evt.ToByteArray();

    async Task Observe(ValueTask publishing)
    {
        try { await publishing; }
        catch (Exception) { Interlocked.Increment(ref _failed); }
    }
}
