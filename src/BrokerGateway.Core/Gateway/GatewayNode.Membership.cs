using System.Text.Json;
using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Fanout;
using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Gateway;

public sealed partial class GatewayNode
{
    /// <summary>
    /// Adds a local connection to a room. <paramref name="byClient"/> applies the namespace policy (the
    /// backend may always). False when it already was a member.
    /// </summary>
    public async Task<bool> JoinAsync(ClientConnection connection, string room, bool byClient = false, CancellationToken ct = default)
    {
        ValidateName(room, "room");
        if (byClient && !Options.PolicyFor(connection.Nsp).ClientJoin)
            throw new GatewayException(ErrorCodes.Forbidden, $"clients may not join rooms in namespace '{connection.Nsp}'");
        using var held = await connection.HoldChangesAsync(ct);
        if (connection.Forgotten || connection.InRoom(room)) return false;
        if (connection.RoomCount >= Options.MaxRoomsPerConnection)
            throw new GatewayException(ErrorCodes.LimitExceeded, $"a connection may be in at most {Options.MaxRoomsPerConnection} rooms");
        if (!connection.AddRoom(room)) return false;
        await Groups.AddAsync(Target.Room(connection.Nsp, room), connection, ct);
        await WritePresenceAsync(p => p.JoinRoomAsync(connection.Nsp, connection.Id, room, InstanceId, ct));
        MembershipChanged?.Invoke(connection, "join", room);
        await AnnounceAsync(connection, room, joined: true);
        return true;
    }

    public async Task<bool> LeaveAsync(ClientConnection connection, string room, CancellationToken ct = default)
    {
        using var held = await connection.HoldChangesAsync(ct);
        if (connection.Forgotten || !connection.RemoveRoom(room)) return false;
        await Groups.RemoveAsync(Target.Room(connection.Nsp, room), connection);
        await WritePresenceAsync(p => p.LeaveRoomAsync(connection.Nsp, connection.Id, room, InstanceId, ct));
        MembershipChanged?.Invoke(connection, "leave", room);
        await AnnounceAsync(connection, room, joined: false);
        return true;
    }

    public async Task<bool> SubscribeAsync(ClientConnection connection, string topic, bool byClient = false, CancellationToken ct = default)
    {
        ValidateName(topic, "topic");
        if (byClient && !Options.PolicyFor(connection.Nsp).ClientSubscribe)
            throw new GatewayException(ErrorCodes.Forbidden, $"clients may not subscribe to topics in namespace '{connection.Nsp}'");
        using var held = await connection.HoldChangesAsync(ct);
        if (connection.Forgotten || connection.HasTopic(topic)) return false;
        if (connection.Topics.Length >= Options.MaxTopicsPerConnection)
            throw new GatewayException(ErrorCodes.LimitExceeded, $"a connection may hold at most {Options.MaxTopicsPerConnection} topics");
        if (!connection.AddTopic(topic)) return false;
        await Groups.AddAsync(Target.Topic(connection.Nsp, topic), connection, ct);
        await WritePresenceAsync(p => p.SubscribeTopicAsync(connection.Nsp, connection.Id, topic, InstanceId, ct));
        MembershipChanged?.Invoke(connection, "subscribe", topic);
        return true;
    }

    public async Task<bool> UnsubscribeAsync(ClientConnection connection, string topic, CancellationToken ct = default)
    {
        using var held = await connection.HoldChangesAsync(ct);
        if (connection.Forgotten || !connection.RemoveTopic(topic)) return false;
        await Groups.RemoveAsync(Target.Topic(connection.Nsp, topic), connection);
        await WritePresenceAsync(p => p.UnsubscribeTopicAsync(connection.Nsp, connection.Id, topic, InstanceId, ct));
        MembershipChanged?.Invoke(connection, "unsubscribe", topic);
        return true;
    }

    public async Task SetSessionAsync(ClientConnection connection, IReadOnlyDictionary<string, string?> values, bool replace)
    {
        using var held = await connection.HoldChangesAsync();
        if (connection.Forgotten) return;
        connection.UpdateSession(values, replace);
        await WritePresenceAsync(p => p.SetSessionAsync(connection.Nsp, connection.Id, values, replace, InstanceId));
    }

    /// <summary>Binds a connection to a user, or unbinds it (null): netsvr's ConnInfoUpdate of the uid.</summary>
    public async Task SetUserAsync(ClientConnection connection, string? uid)
    {
        using var held = await connection.HoldChangesAsync();
        var old = connection.Uid;
        if (connection.Forgotten || old == uid) return;
        if (old is not null) await Groups.RemoveAsync(Target.User(connection.Nsp, old), connection);
        connection.Uid = uid;
        if (uid is not null) await Groups.AddAsync(Target.User(connection.Nsp, uid), connection);
        await WritePresenceAsync(p => p.SetUserAsync(connection.Nsp, connection.Id, uid, InstanceId));
    }

    /// <summary>
    /// Publishes a push to any target, from a client (policy applies: only rooms it is in, where the
    /// namespace allows) or from the backend (anything).
    /// </summary>
    public async Task PublishAsync(Target target, ReadOnlyMemory<byte> data, string? @event = null, string? excludeConn = null,
        string? contentType = null, CancellationToken ct = default)
    {
        var headers = PushHeaders(@event, excludeConn, contentType);
        await Broker.PublishAsync(Subjects.For(target), data, headers, ct: ct);
    }

    /// <summary>A client's publish to a room it is in; the sender does not get its own message back.</summary>
    public Task PublishFromClientAsync(ClientConnection connection, string room, ReadOnlyMemory<byte> data, string? @event,
        string? contentType, CancellationToken ct = default)
    {
        if (!Options.PolicyFor(connection.Nsp).ClientPublish)
            throw new GatewayException(ErrorCodes.Forbidden, $"clients may not publish in namespace '{connection.Nsp}'");
        if (!connection.InRoom(room))
            throw new GatewayException(ErrorCodes.Forbidden, $"join room '{room}' before publishing to it");
        return PublishAsync(Target.Room(connection.Nsp, room), data, @event, connection.Id, contentType, ct);
    }

    static MessageHeaders? PushHeaders(string? @event, string? excludeConn, string? contentType)
    {
        if (@event is null && excludeConn is null && contentType is null) return null;
        var headers = new MessageHeaders();
        if (@event is not null) headers.Add(BgwHeaders.Event, @event);
        if (excludeConn is not null) headers.Add(BgwHeaders.Exclude, excludeConn);
        if (contentType is not null) headers.Add(BgwHeaders.ContentType, contentType);
        return headers;
    }

    /// <summary>Sends a command (<see cref="Ops"/>) to every connection of a target, wherever they are.</summary>
    public ValueTask CommandAsync(Target target, string op, MessageHeaders? arguments = null, ReadOnlyMemory<byte> body = default, CancellationToken ct = default)
    {
        var headers = new MessageHeaders().Add(BgwHeaders.Op, op);
        if (arguments is not null)
            foreach (var (k, v) in arguments) headers.Add(k, v);
        return Broker.PublishAsync(Subjects.For(target), body, headers, ct: ct);
    }

    /// <summary>Tells every member of the room, on every replica, that this connection joined or left.</summary>
    async Task AnnounceAsync(ClientConnection connection, string room, bool joined)
    {
        if (!Options.PolicyFor(connection.Nsp).PresenceEvents) return;
        var member = new Member(connection.Id, connection.Uid, NodeId);
        await AnnounceAsync(connection.Nsp, room, joined ? [member] : [], joined ? [] : [member]);
    }

    internal async Task AnnounceAsync(string nsp, string room, IReadOnlyList<Member> joins, IReadOnlyList<Member> leaves)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new PresenceWire(joins, leaves), CoreJson.Default.PresenceWire);
        try
        {
            await CommandAsync(Target.Room(nsp, room), Ops.Presence, body: body);
        }
        catch (Exception)
        {
            // Presence events are best effort: a broker outage loses them, the member list stays right.
        }
    }

    static void ValidateName(string name, string what)
    {
        if (string.IsNullOrEmpty(name)) throw new GatewayException(ErrorCodes.BadRequest, $"{what} name is empty");
        if (name.Length > 256) throw new GatewayException(ErrorCodes.BadRequest, $"{what} name is longer than 256 characters");
    }
}
