using System.Buffers;
using System.Text.Json;
using Bgw.V1;
using BrokerGateway.Core.Fanout;
using BrokerGateway.Core.Presence;
using BrokerGateway.Grpc;
using Target = BrokerGateway.Core.Addressing.Target;

namespace BrokerGateway.Server.Api;

/// <summary>
/// netsvr ConnInfoUpdate/Delete and TopicSubscribe/Unsubscribe/Delete; room join, leave and clear. Every
/// command rides the target's subject (DESIGN §4), so it reaches exactly the replicas holding the target.
/// A command naming one connection or user first checks presence, so a typo answers NOT_FOUND.
/// </summary>
public sealed partial class GatewayService
{
    async Task<SendResponse> ConnInfoUpdateAsync(ConnInfoUpdateRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var conn = ApiArguments.Id(request.Conn, "conn");
        if (request.HasUid && request.Uid.Length == 0) throw ApiErrors.Invalid("uid is empty; to unbind the user use ConnInfoDelete with uid = true.");
        var uid = request.HasUid ? ApiArguments.HeaderId(request.Uid, "uid") : null;
        var session = SessionValues(request.Session);
        var topics = request.Topics.Count == 0 ? [] : ApiArguments.Groups(request.Topics, "topics", inHeader: true);
        var push = ApiArguments.OptionalPush(request.Push, "push");
        if (uid is null && session.Count == 0 && !request.ReplaceSession && topics.Length == 0 && !request.ReplaceTopics && push is null)
            throw ApiErrors.Invalid("Nothing to update: set uid, session, topics or push.");

        var state = await ConnectionAsync(nsp, conn, context);
        var target = Target.Connection(conn);
        var batch = new List<Outgoing>();
        if (uid is not null) batch.Add(Outgoing.Command(target, Ops.SetUser, default, (BgwHeaders.Uid, uid)));
        if (session.Count > 0 || request.ReplaceSession) batch.Add(SetSession(target, session, request.ReplaceSession));
        if (request.ReplaceTopics && state.Topics.Except(topics, StringComparer.Ordinal).ToArray() is { Length: > 0 } stale)
            batch.Add(Outgoing.Command(target, Ops.Unsubscribe, BgwHeaders.Topic, stale));
        if (topics.Length > 0)
        {
            IReadOnlyList<string> kept = request.ReplaceTopics ? [] : state.Topics;
            CheckTopicLimit(kept.Union(topics, StringComparer.Ordinal).Count(), conn);
            batch.Add(Outgoing.Command(target, Ops.Subscribe, BgwHeaders.Topic, topics));
        }
        if (push is not null) batch.Add(Outgoing.Push(target, push));
        return await SendAsync("ConnInfoUpdate", batch, context);
    }

    async Task<SendResponse> ConnInfoDeleteAsync(ConnInfoDeleteRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var conn = ApiArguments.Id(request.Conn, "conn");
        var keys = request.SessionKeys.Select((k, i) => SessionKey(k, $"session_keys[{i}]")).ToArray();
        var push = ApiArguments.OptionalPush(request.Push, "push");
        if (!request.Uid && !request.Session && keys.Length == 0 && !request.Topics && push is null)
            throw ApiErrors.Invalid("Nothing to delete: set uid, session, session_keys, topics or push.");

        var state = await ConnectionAsync(nsp, conn, context);
        var target = Target.Connection(conn);
        var batch = new List<Outgoing>();
        if (request.Uid) batch.Add(Outgoing.Command(target, Ops.SetUser)); // no Bgw-Uid: unbind
        if (request.Session) batch.Add(SetSession(target, new Dictionary<string, string?>(), replace: true));
        else if (keys.Length > 0) batch.Add(SetSession(target, keys.ToDictionary(k => k, _ => (string?)null), replace: false));
        if (request.Topics && state.Topics.Count > 0) batch.Add(Outgoing.Command(target, Ops.Unsubscribe, BgwHeaders.Topic, state.Topics));
        if (push is not null) batch.Add(Outgoing.Push(target, push));
        return await SendAsync("ConnInfoDelete", batch, context);
    }

    async Task<SendResponse> TopicSubscribeAsync(TopicSubscribeRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var topics = ApiArguments.Groups(request.Topics, "topics", inHeader: true);
        var push = ApiArguments.OptionalPush(request.Push, "push");
        var (target, connections) = await WhoAsync(nsp, request.WhoCase == TopicSubscribeRequest.WhoOneofCase.Conn ? request.Conn : null,
            request.WhoCase == TopicSubscribeRequest.WhoOneofCase.Uid ? request.Uid : null, context);
        foreach (var c in connections) CheckTopicLimit(c.Topics.Union(topics, StringComparer.Ordinal).Count(), c.Conn);
        var batch = new List<Outgoing> { Outgoing.Command(target, Ops.Subscribe, BgwHeaders.Topic, topics) };
        if (push is not null) batch.Add(Outgoing.Push(target, push));
        return await SendAsync("TopicSubscribe", batch, context);
    }

    async Task<SendResponse> TopicUnsubscribeAsync(TopicUnsubscribeRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var topics = ApiArguments.Groups(request.Topics, "topics", inHeader: true);
        var push = ApiArguments.OptionalPush(request.Push, "push");
        var (target, _) = await WhoAsync(nsp, request.WhoCase == TopicUnsubscribeRequest.WhoOneofCase.Conn ? request.Conn : null,
            request.WhoCase == TopicUnsubscribeRequest.WhoOneofCase.Uid ? request.Uid : null, context);
        var batch = new List<Outgoing> { Outgoing.Command(target, Ops.Unsubscribe, BgwHeaders.Topic, topics) };
        if (push is not null) batch.Add(Outgoing.Push(target, push));
        return await SendAsync("TopicUnsubscribe", batch, context);
    }

    /// <summary>The push (if any) first reaches each topic's subscribers, then every replica unsubscribes them.</summary>
    Task<SendResponse> TopicDeleteAsync(TopicDeleteRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var topics = ApiArguments.Groups(request.Topics, "topics", inHeader: false);
        var push = ApiArguments.OptionalPush(request.Push, "push");
        return SendAsync("TopicDelete", PushThenClear(topics.Select(t => Target.Topic(nsp, t)), push), context);
    }

    async Task<SendResponse> JoinRoomsAsync(RoomsRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var rooms = ApiArguments.Groups(request.Rooms, "rooms", inHeader: true);
        var (target, connections) = await WhoAsync(nsp, RoomsConn(request), RoomsUid(request), context);
        foreach (var c in connections)
        {
            var count = c.Rooms.Union(rooms, StringComparer.Ordinal).Count();
            if (count > node.Options.MaxRoomsPerConnection)
                throw new GrpcException(StatusCode.ResourceExhausted, $"Connection {c.Conn} would be in {count} rooms; a connection may be in at most {node.Options.MaxRoomsPerConnection}.");
        }
        return await SendAsync("JoinRooms", [Outgoing.Command(target, Ops.Join, BgwHeaders.Room, rooms)], context);
    }

    async Task<SendResponse> LeaveRoomsAsync(RoomsRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var rooms = ApiArguments.Groups(request.Rooms, "rooms", inHeader: true);
        var (target, _) = await WhoAsync(nsp, RoomsConn(request), RoomsUid(request), context);
        return await SendAsync("LeaveRooms", [Outgoing.Command(target, Ops.Leave, BgwHeaders.Room, rooms)], context);
    }

    /// <summary>The push (if any) first reaches each room's members, then every replica makes them leave (announcing it).</summary>
    Task<SendResponse> ClearRoomsAsync(ClearRoomsRequest request, GrpcCallContext context)
    {
        var nsp = args.Nsp(request.Nsp);
        var rooms = ApiArguments.Groups(request.Rooms, "rooms", inHeader: false);
        var push = ApiArguments.OptionalPush(request.Push, "push");
        return SendAsync("ClearRooms", PushThenClear(rooms.Select(r => Target.Room(nsp, r)), push), context);
    }

    /// <summary>For each group: the push (if any) to its members first, then the command that empties it.</summary>
    static List<Outgoing> PushThenClear(IEnumerable<Target> groups, PushArgs? push)
    {
        var batch = new List<Outgoing>();
        foreach (var group in groups)
        {
            if (push is not null) batch.Add(Outgoing.Push(group, push));
            batch.Add(Outgoing.Command(group, Ops.Clear));
        }
        return batch;
    }

    static string? RoomsConn(RoomsRequest r) => r.WhoCase == RoomsRequest.WhoOneofCase.Conn ? r.Conn : null;
    static string? RoomsUid(RoomsRequest r) => r.WhoCase == RoomsRequest.WhoOneofCase.Uid ? r.Uid : null;

    /// <summary>The target a command names (a connection or a user) and the connections presence holds for it.</summary>
    async Task<(Target Target, IReadOnlyList<ConnectionState> Connections)> WhoAsync(string nsp, string? conn, string? uid, GrpcCallContext context)
    {
        if (conn is not null)
        {
            ApiArguments.Id(conn, "conn");
            return (Target.Connection(conn), [await ConnectionAsync(nsp, conn, context)]);
        }
        if (uid is not null)
        {
            ApiArguments.Id(uid, "uid");
            var connections = await node.Presence.GetUserConnectionsAsync(nsp, uid, context.CancellationToken);
            if (connections.Count == 0) throw ApiErrors.NotFound($"User '{uid}' has no connection in namespace '{nsp}'.");
            return (Target.User(nsp, uid), connections);
        }
        throw ApiErrors.Invalid("Name who: set conn or uid.");
    }

    async Task<ConnectionState> ConnectionAsync(string nsp, string conn, GrpcCallContext context) =>
        await node.Presence.GetConnectionAsync(nsp, conn, context.CancellationToken)
            ?? throw ApiErrors.NotFound($"Connection '{conn}' is not online in namespace '{nsp}'.");

    void CheckTopicLimit(int count, string conn)
    {
        if (count > node.Options.MaxTopicsPerConnection)
            throw new GrpcException(StatusCode.ResourceExhausted, $"Connection {conn} would hold {count} topics; a connection may hold at most {node.Options.MaxTopicsPerConnection}.");
    }

    static Dictionary<string, string?> SessionValues(IDictionary<string, string> session)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in session)
        {
            try { PresenceIds.CheckSessionEntry(key, value); }
            catch (ArgumentException e) { throw ApiErrors.Invalid($"session: {ApiErrors.Text(e)}."); }
            values[key] = value;
        }
        return values;
    }

    static string SessionKey(string key, string field)
    {
        try { PresenceIds.CheckSessionEntry(key, null); }
        catch (ArgumentException e) { throw ApiErrors.Invalid($"{field}: {ApiErrors.Text(e)}."); }
        return key;
    }

    /// <summary>A <c>set-session</c> command: its body is a JSON object of keys to strings (null deletes a key).</summary>
    static Outgoing SetSession(Target target, IReadOnlyDictionary<string, string?> values, bool replace)
    {
        var body = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(body))
        {
            w.WriteStartObject();
            foreach (var (key, value) in values)
            {
                if (value is null) w.WriteNull(key);
                else w.WriteString(key, value);
            }
            w.WriteEndObject();
        }
        return replace
            ? Outgoing.Command(target, Ops.SetSession, body.WrittenMemory, (BgwHeaders.Replace, "true"))
            : Outgoing.Command(target, Ops.SetSession, body.WrittenMemory);
    }
}
