using System.Text.Json;
using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Fanout;

namespace BrokerGateway.Core.Gateway;

public sealed partial class GatewayNode
{
    /// <summary>Pushes queued to local sockets, and those refused by a full send queue (each closes its socket as a slow consumer).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);
    public long Refused => Interlocked.Read(ref _refused);
    long _delivered;
    long _refused;

    /// <summary>Commands (<c>Bgw-Op</c>) this node could not apply: an unknown operation, or arguments it cannot read.</summary>
    public long CommandsRejected => Interlocked.Read(ref _commandsRejected);
    long _commandsRejected;

    /// <summary>Raised for each rejected command: (target, operation, why). A backend has no other way to hear it.</summary>
    public event Action<Target, string, string>? CommandRejected;

    /// <summary>
    /// A message on a target's subject: a push goes straight from the broker's buffer to the local sockets'
    /// queues, encoded once per dialect; a command is applied to each local member. Runs one message at a
    /// time per subject, so a command and the pushes around it keep their order.
    /// </summary>
    ValueTask OnMessageAsync(Target target, BrokerMessage message)
    {
        var headers = message.Headers;
        if (headers?[BgwHeaders.Op] is { } op) return new ValueTask(ApplyAsync(target, op, message));
        if (headers?[BgwHeaders.MsgId] is { } msgId && !_recentIds.TryAdd(msgId)) return ValueTask.CompletedTask;
        FanOut(target, message.Data, headers);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Queues a push to the target's local members (all but an excluded connection), and counts those
    /// queued and those refused by full send queues.
    /// </summary>
    (long Delivered, long Refused) FanOut(Target target, ReadOnlyMemory<byte> data, MessageHeaders? headers)
    {
        var push = new Push(target, headers?[BgwHeaders.Event] ?? "message", data, headers?[BgwHeaders.ContentType])
        {
            ExcludeConn = headers?[BgwHeaders.Exclude],
        };
        long delivered = 0, refused = 0;
        // Idle sockets are written together when the scope ends (with a transport that can): see OutboundBatch.
        using (OutboundBatch.Begin())
        {
            foreach (var connection in Groups.Members(target))
            {
                // A closing socket (kicked, draining, already dropped as a slow consumer) is not refused a push:
                // it is leaving, and counting it would read as slow consumers that are not there.
                if (push.ExcludeConn == connection.Id || connection.IsClosing) continue;
                if (connection.TrySend(push.FrameFor(connection.Dialect))) delivered++;
                else refused++;
            }
        }
        Interlocked.Add(ref _delivered, delivered);
        if (refused > 0) Interlocked.Add(ref _refused, refused);
        return (delivered, refused);
    }

    async Task ApplyAsync(Target target, string op, BrokerMessage message)
    {
        var headers = message.Headers!;
        var members = Groups.Members(target);
        try
        {
            switch (op)
            {
                case Ops.Presence:
                    DeliverPresence(target, members, message.Data);
                    break;
                case Ops.Disconnect:
                    await DisconnectAsync(members, headers);
                    break;
                case Ops.Join:
                    foreach (var c in members)
                        foreach (var room in headers.GetAll(BgwHeaders.Room)) await JoinAsync(c, room);
                    break;
                case Ops.Leave:
                    foreach (var c in members)
                        foreach (var room in headers.GetAll(BgwHeaders.Room)) await LeaveAsync(c, room);
                    break;
                case Ops.Subscribe:
                    foreach (var c in members)
                        foreach (var topic in headers.GetAll(BgwHeaders.Topic)) await SubscribeAsync(c, topic);
                    break;
                case Ops.Unsubscribe:
                    foreach (var c in members)
                        foreach (var topic in headers.GetAll(BgwHeaders.Topic)) await UnsubscribeAsync(c, topic);
                    break;
                case Ops.Clear when target.Kind == TargetKind.Room:
                    foreach (var c in members) await LeaveAsync(c, target.Id);
                    break;
                case Ops.Clear when target.Kind == TargetKind.Topic:
                    foreach (var c in members) await UnsubscribeAsync(c, target.Id);
                    break;
                case Ops.SetSession:
                    var values = JsonSerializer.Deserialize(message.Data.Span, CoreJson.Default.DictionaryStringString);
                    if (values is null) break;
                    var replace = headers[BgwHeaders.Replace] is "true" or "1";
                    foreach (var c in members) await SetSessionAsync(c, values, replace);
                    break;
                case Ops.SetUser:
                    foreach (var c in members) await SetUserAsync(c, headers[BgwHeaders.Uid]);
                    break;
                case Ops.Clear:
                    Reject(target, op, "clear applies to a room or a topic");
                    break;
                default:
                    Reject(target, op, "unknown operation");
                    break;
            }
        }
        catch (Exception e) when (e is JsonException or GatewayException or FormatException)
        {
            // A malformed command from a backend changes nothing; the gateway goes on, and says so.
            Reject(target, op, e.Message);
        }
    }

    void Reject(Target target, string op, string why)
    {
        Interlocked.Increment(ref _commandsRejected);
        CommandRejected?.Invoke(target, op, why);
    }

    void DeliverPresence(Target target, ClientConnection[] members, ReadOnlyMemory<byte> body)
    {
        if (target.Kind != TargetKind.Room || members.Length == 0) return;
        var wire = JsonSerializer.Deserialize(body.Span, CoreJson.Default.PresenceWire);
        if (wire is null) return;
        var change = new PresenceChange(target.Nsp, target.Id, wire.Joins ?? [], wire.Leaves ?? []);
        IClientDialect? lastDialect = null;
        OutboundFrame frame = default;
        using var batch = OutboundBatch.Begin();
        foreach (var c in members)
        {
            if (!ReferenceEquals(c.Dialect, lastDialect)) { lastDialect = c.Dialect; frame = c.Dialect.EncodePresence(change); }
            c.TrySend(frame);
        }
    }

    Task DisconnectAsync(ClientConnection[] members, MessageHeaders headers)
    {
        // Arguments that are there must be read: a kick with a code or delay nobody can read changes nothing.
        var code = CloseCodes.Kicked;
        if (headers[BgwHeaders.Code] is { } codeText && !(int.TryParse(codeText, out code) && code is >= 4000 and <= 4999))
            throw new FormatException($"{BgwHeaders.Code} '{codeText}' is not a close code in 4000-4999");
        long delay = 0;
        if (headers[BgwHeaders.DelayMs] is { } delayText && !(long.TryParse(delayText, out delay) && delay >= 0))
            throw new FormatException($"{BgwHeaders.DelayMs} '{delayText}' is not a number of milliseconds");
        var reason = headers[BgwHeaders.Reason];
        var guestsOnly = headers[BgwHeaders.GuestsOnly] is "true" or "1";
        if (delay > 0)
        {
            // Later, off the delivery path: the subject's other messages must not wait for it.
            _ = Task.Delay(TimeSpan.FromMilliseconds(Math.Min(delay, 60_000)), Time)
                .ContinueWith(_ => CloseAll(members, code, reason, guestsOnly), TaskScheduler.Default);
            return Task.CompletedTask;
        }
        CloseAll(members, code, reason, guestsOnly);
        return Task.CompletedTask;
    }

    static void CloseAll(ClientConnection[] members, int code, string? reason, bool guestsOnly)
    {
        foreach (var connection in members)
        {
            if (guestsOnly && !connection.IsGuest) continue;
            var text = reason ?? CloseCodes.Reason(code);
            connection.Close(code, text, connection.Dialect.EncodeDisconnect(code, text));
        }
    }
}
