using System.Globalization;
using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Fanout;
using BrokerGateway.Core.Gateway;

namespace BrokerGateway.Server.Api;

/// <summary>
/// One NATS message of a call: a push or a <c>Bgw-Op</c> command on a target's subject (DESIGN §4). A call
/// prepares all of them first (so a bad argument sends nothing), then sends them in order.
/// </summary>
public sealed record Outgoing(Target Target, ReadOnlyMemory<byte> Body, MessageHeaders? Headers)
{
    public static Outgoing Push(Target target, PushArgs push, string? excludeConn = null)
    {
        MessageHeaders? headers = null;
        void Add(string key, string? value)
        {
            if (value is not null) (headers ??= new MessageHeaders()).Add(key, value);
        }
        Add(BgwHeaders.Event, push.Event);
        Add(BgwHeaders.Exclude, excludeConn);
        Add(BgwHeaders.ContentType, push.ContentType);
        Add(BgwHeaders.MsgId, push.MsgId);
        return new Outgoing(target, push.Data, headers);
    }

    public static Outgoing Command(Target target, string op, ReadOnlyMemory<byte> body = default, params (string Key, string Value)[] arguments)
    {
        var headers = new MessageHeaders().Add(BgwHeaders.Op, op);
        foreach (var (key, value) in arguments) headers.Add(key, value);
        return new Outgoing(target, body, headers);
    }

    /// <summary>A command with a repeatable argument (<c>Bgw-Room</c>, <c>Bgw-Topic</c>) once per value.</summary>
    public static Outgoing Command(Target target, string op, string repeatedKey, IEnumerable<string> values) =>
        Command(target, op, default, values.Select(v => (repeatedKey, v)).ToArray());

    /// <summary>A disconnect with its code, reason and delay (netsvr ForceOffline*).</summary>
    public static Outgoing Disconnect(Target target, CloseArgs close, bool guestsOnly = false)
    {
        var arguments = new List<(string, string)> { (BgwHeaders.Code, close.Code.ToString(CultureInfo.InvariantCulture)) };
        if (close.Reason is not null) arguments.Add((BgwHeaders.Reason, close.Reason));
        if (close.DelayMs > 0) arguments.Add((BgwHeaders.DelayMs, close.DelayMs.ToString(CultureInfo.InvariantCulture)));
        if (guestsOnly) arguments.Add((BgwHeaders.GuestsOnly, "true"));
        return Command(target, Ops.Disconnect, default, [.. arguments]);
    }
}

/// <summary>How a forced disconnect closes: a code in 4000–4999, an optional reason, a delay of at most 60 s.</summary>
public sealed record CloseArgs(int Code, string? Reason, int DelayMs)
{
    public static CloseArgs From(Bgw.V1.Close? close, string field)
    {
        var code = close?.Code ?? 0;
        if (code == 0) code = Core.Connections.CloseCodes.Kicked;
        if (code is < 4000 or > 4999) throw ApiErrors.Invalid($"{field}.code {code} is outside 4000..4999 (0 means 4056, kicked).");
        var delay = close?.DelayMs ?? 0;
        if (delay is < 0 or > 60_000) throw ApiErrors.Invalid($"{field}.delay_ms {delay} is outside 0..60000.");
        return new CloseArgs(code, ApiArguments.HeaderText(close?.Reason ?? "", $"{field}.reason"), delay);
    }
}

/// <summary>Sends a call's prepared messages in order, once NATS is known to be reachable.</summary>
public static class OutgoingSender
{
    /// <summary>Returns how many were sent; throws <see cref="PartialSendException"/> when NATS fails part way.</summary>
    public static async Task<int> SendAsync(GatewayNode node, IReadOnlyList<Outgoing> batch, CancellationToken ct)
    {
        if (!node.Broker.IsConnected)
            throw ApiErrors.Unavailable($"NATS cannot be reached from replica {node.NodeId}; nothing was sent; retry.");
        var sent = 0;
        try
        {
            foreach (var message in batch)
            {
                await node.Broker.PublishAsync(node.Subjects.For(message.Target), message.Body, message.Headers, ct: ct);
                sent++;
            }
        }
        catch (Exception e) when (e is not OperationCanceledException && ApiErrors.IsBrokerFailure(e))
        {
            throw new PartialSendException(sent, batch.Count, e);
        }
        return sent;
    }
}
