using System.Globalization;
using System.Text.Json;
using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Fanout;
using BrokerGateway.Nats;

namespace BrokerGateway.Client;

public sealed partial class BackendClient
{
    /// <summary>Closes every connection of a target with a close code (default 4056, kicked), after an optional delay.</summary>
    public ValueTask DisconnectAsync(Target target, int? code = null, string? reason = null, TimeSpan? delay = null, bool guestsOnly = false)
    {
        var h = Op(Ops.Disconnect);
        if (code is { } c) h.Add(BgwHeaders.Code, c.ToString(CultureInfo.InvariantCulture));
        if (reason is not null) h.Add(BgwHeaders.Reason, reason);
        if (delay is { } d) h.Add(BgwHeaders.DelayMs, ((long)d.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        if (guestsOnly) h.Add(BgwHeaders.GuestsOnly, "true");
        return Command(target, h);
    }

    /// <summary>Makes every connection of a target join rooms.</summary>
    public ValueTask JoinAsync(Target target, params string[] rooms) => Command(target, Many(Op(Ops.Join), BgwHeaders.Room, rooms));

    public ValueTask LeaveAsync(Target target, params string[] rooms) => Command(target, Many(Op(Ops.Leave), BgwHeaders.Room, rooms));

    public ValueTask SubscribeAsync(Target target, params string[] topics) => Command(target, Many(Op(Ops.Subscribe), BgwHeaders.Topic, topics));

    public ValueTask UnsubscribeAsync(Target target, params string[] topics) => Command(target, Many(Op(Ops.Unsubscribe), BgwHeaders.Topic, topics));

    /// <summary>Every member leaves the room.</summary>
    public ValueTask ClearRoomAsync(string nsp, string room) => Command(Target.Room(nsp, room), Op(Ops.Clear));

    /// <summary>Every subscriber leaves the topic.</summary>
    public ValueTask DeleteTopicAsync(string nsp, string topic) => Command(Target.Topic(nsp, topic), Op(Ops.Clear));

    /// <summary>Merges (or with <paramref name="replace"/>, replaces) session values of every connection of a target; a null value deletes a key.</summary>
    public ValueTask SetSessionAsync(Target target, IReadOnlyDictionary<string, string?> values, bool replace = false)
    {
        var h = Op(Ops.SetSession);
        if (replace) h.Add(BgwHeaders.Replace, "true");
        return Command(target, h, JsonSerializer.SerializeToUtf8Bytes(values));
    }

    /// <summary>Binds every connection of a target to a user, or unbinds them with null.</summary>
    public ValueTask SetUserAsync(Target target, string? uid)
    {
        var h = Op(Ops.SetUser);
        if (uid is not null) h.Add(BgwHeaders.Uid, uid);
        return Command(target, h);
    }

    static NatsHeaders Op(string op) => new NatsHeaders().Add(BgwHeaders.Op, op);

    static NatsHeaders Many(NatsHeaders h, string key, string[] values)
    {
        if (values.Length == 0) throw new ArgumentException("name at least one", nameof(values));
        foreach (var v in values) h.Add(key, v);
        return h;
    }

    ValueTask Command(Target target, NatsHeaders headers, ReadOnlyMemory<byte> body = default) =>
        _nats.PublishAsync(Subjects.For(target), body, headers);
}
