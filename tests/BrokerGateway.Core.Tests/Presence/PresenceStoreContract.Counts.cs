using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Tests.Presence;

public abstract partial class PresenceStoreContract
{
    /// <summary>
    /// Random connects, closes, joins, leaves, subscriptions and user changes, checked against a plain
    /// model after every step's answer and, at the end, against every count.
    /// </summary>
    [StoreFact]
    public async Task CountsStayExact_AfterManyMixedOperations()
    {
        var random = new Random(20261122);
        var model = new Dictionary<string, (string? Uid, HashSet<string> Rooms, HashSet<string> Topics)>();
        string[] users = ["u0", "u1", "u2", "u3", "u4", "u5", null!];
        string[] rooms = ["r0", "r1", "r2", "r3", "r4"];
        string[] topics = ["t0", "t1", "t2"];

        for (var step = 0; step < 600; step++)
        {
            var conn = $"c{random.Next(30)}";
            var known = model.TryGetValue(conn, out var state);
            var room = rooms[random.Next(rooms.Length)];
            var topic = topics[random.Next(topics.Length)];
            switch (random.Next(8))
            {
                case 0 or 1:
                    var uid = users[random.Next(users.Length)];
                    await Store.AddConnectionAsync(Connection(conn, uid, rooms: [room], topics: [topic]));
                    model[conn] = (uid, [room], [topic]);
                    break;
                case 2:
                    Assert.Equal(known, await Store.RemoveConnectionAsync(Nsp, conn) is not null);
                    model.Remove(conn);
                    break;
                case 3:
                    Assert.Equal(known && state.Rooms.Add(room), await Store.JoinRoomAsync(Nsp, conn, room));
                    break;
                case 4:
                    Assert.Equal(known && state.Rooms.Remove(room), await Store.LeaveRoomAsync(Nsp, conn, room));
                    break;
                case 5:
                    Assert.Equal(known && state.Topics.Add(topic), await Store.SubscribeTopicAsync(Nsp, conn, topic));
                    break;
                case 6:
                    Assert.Equal(known && state.Topics.Remove(topic), await Store.UnsubscribeTopicAsync(Nsp, conn, topic));
                    break;
                case 7:
                    var newUid = users[random.Next(users.Length)];
                    Assert.Equal(known, await Store.SetUserAsync(Nsp, conn, newUid));
                    if (known) model[conn] = state with { Uid = newUid };
                    break;
            }
        }

        Assert.Equal(model.Count, await Store.CountConnectionsAsync(Nsp));
        Assert.Equal(model.Values.Where(s => s.Uid is not null).Select(s => s.Uid).Distinct().Count(), await Store.CountUsersAsync(Nsp));
        Assert.Equal(model.Values.Count(s => s.Uid is null), await Store.CountGuestsAsync(Nsp));
        Assert.Equal(rooms.Count(r => model.Values.Any(s => s.Rooms.Contains(r))), await Store.CountRoomsAsync(Nsp));
        Assert.Equal(topics.Count(t => model.Values.Any(s => s.Topics.Contains(t))), await Store.CountTopicsAsync(Nsp));
        foreach (var room in rooms)
        {
            var expected = model.Where(p => p.Value.Rooms.Contains(room)).Select(p => new Member(p.Key, p.Value.Uid, NodeA));
            Assert.Equal(expected.Count(), await Store.CountRoomMembersAsync(Nsp, room));
            Assert.Equal(expected.OrderBy(m => m.Conn, StringComparer.Ordinal), (await WalkAsync(p => Store.ListRoomMembersAsync(Nsp, room, p), 4)).OrderBy(m => m.Conn, StringComparer.Ordinal));
        }
        foreach (var topic in topics)
            Assert.Equal(model.Values.Count(s => s.Topics.Contains(topic)), await Store.CountTopicMembersAsync(Nsp, topic));
        foreach (var uid in users.Where(u => u is not null))
            Assert.Equal(model.Values.Any(s => s.Uid == uid), await Store.IsUserOnlineAsync(Nsp, uid));
        Assert.Equal(Sorted(model.Keys), Sorted((await WalkAsync(p => Store.ListConnectionsAsync(Nsp, p), 7)).Select(m => m.Conn)));
    }

    [StoreFact]
    public async Task WalkingARoomOf2500_InPagesOf100_ReturnsEveryMemberExactlyOnce()
    {
        var conns = Enumerable.Range(0, 2500).Select(i => $"conn-{i:x}").ToArray();
        foreach (var chunk in conns.Chunk(100))
            await Task.WhenAll(chunk.Select(c => Store.AddConnectionAsync(Connection(c, "user-" + c, rooms: ["big"], topics: ["all"]))));

        var members = await WalkAsync(p => Store.ListRoomMembersAsync(Nsp, "big", p), 100);

        Assert.Equal(2500, members.Count);
        Assert.Equal(Sorted(conns), Sorted(members.Select(m => m.Conn)));
        Assert.All(members, m => Assert.Equal(("user-" + m.Conn, NodeA), (m.Uid, m.Node)));
        Assert.Equal(2500, await Store.CountRoomMembersAsync(Nsp, "big"));
        Assert.Equal(Sorted(conns), Sorted((await WalkAsync(p => Store.ListTopicMembersAsync(Nsp, "all", p), 100)).Select(m => m.Conn)));
        Assert.Equal(Sorted(conns), Sorted((await WalkAsync(p => Store.ListConnectionsAsync(Nsp, p), 1000)).Select(m => m.Conn)));
        Assert.Equal(Sorted(conns.Select(c => "user-" + c)), Sorted(await WalkAsync(p => Store.ListUsersAsync(Nsp, p), 333)));
    }

    [StoreFact]
    public async Task WalkingRoomsAndTopics_InSmallPages_ReturnsEachNameExactlyOnce()
    {
        var rooms = Enumerable.Range(0, 57).Select(i => $"room-{i}").ToArray();
        var topics = Enumerable.Range(0, 23).Select(i => $"topic-{i}").ToArray();
        await Store.AddConnectionAsync(Connection("c1", "alice", rooms: rooms, topics: topics));

        Assert.Equal(Sorted(rooms), Sorted(await WalkAsync(p => Store.ListRoomsAsync(Nsp, p), 5)));
        Assert.Equal(Sorted(topics), Sorted(await WalkAsync(p => Store.ListTopicsAsync(Nsp, p), 1)));
        Assert.Equal(57, await Store.CountRoomsAsync(Nsp));
        Assert.Equal(23, await Store.CountTopicsAsync(Nsp));
    }

    [StoreFact]
    public async Task WalkingWhileOthersComeAndGo_ReturnsEveryoneWhoStayed_AndNoOneTwice()
    {
        var stayers = Enumerable.Range(0, 300).Select(i => $"stay-{i}").ToArray();
        foreach (var chunk in stayers.Chunk(50))
            await Task.WhenAll(chunk.Select(c => Store.AddConnectionAsync(Connection(c, rooms: ["busy"]))));
        var round = 0;

        var members = await WalkAsync(p => Store.ListRoomMembersAsync(Nsp, "busy", p), 25, async () =>
        {
            // Between pages: newcomers arrive on both sides of the cursor and earlier newcomers leave.
            round++;
            await Store.AddConnectionAsync(Connection($"a-{round}", rooms: ["busy"]));
            await Store.AddConnectionAsync(Connection($"zz-{round}", rooms: ["busy"]));
            if (round > 1) await Store.RemoveConnectionAsync(Nsp, $"a-{round - 1}");
        });

        var conns = members.Select(m => m.Conn).ToList();
        Assert.Equal(conns.Count, conns.Distinct().Count());
        Assert.Empty(stayers.Except(conns));
    }

    [StoreFact]
    public async Task PagesKeepToTheLimit_AndAnUnsetLimitMeansTheDefault()
    {
        for (var i = 0; i < 120; i++) await Store.AddConnectionAsync(Connection($"c{i:000}", rooms: ["r"]));

        var unset = await Store.ListRoomMembersAsync(Nsp, "r", new PageRequest());
        var zero = await Store.ListRoomMembersAsync(Nsp, "r", new PageRequest(null, 0));
        var negative = await Store.ListRoomMembersAsync(Nsp, "r", default(PageRequest) with { Limit = -5 });
        var huge = await Store.ListRoomMembersAsync(Nsp, "r", new PageRequest(null, int.MaxValue));
        var exact = await Store.ListRoomMembersAsync(Nsp, "r", new PageRequest(null, 120));
        var one = await Store.ListRoomMembersAsync(Nsp, "r", new PageRequest(null, 1));

        Assert.All([unset, zero, negative], p => Assert.Equal((PageRequest.DefaultLimit, false), (p.Items.Count, p.IsLast)));
        Assert.Equal((120, true), (huge.Items.Count, huge.IsLast));
        Assert.Equal((120, true), (exact.Items.Count, exact.IsLast)); // a full last page says so: no empty page after it
        Assert.Equal((1, false), (one.Items.Count, one.IsLast));
    }

    [StoreFact]
    public async Task ListsOfWhatDoesNotExist_AreEmptyLastPages()
    {
        var page = await Store.ListRoomMembersAsync(Unique.Name("empty"), "nothing", new PageRequest());
        Assert.Empty(page.Items);
        Assert.True(page.IsLast);
        Assert.Empty((await Store.ListUsersAsync(Nsp, new PageRequest())).Items);
        Assert.Empty((await Store.ListConnectionsAsync(Nsp, new PageRequest())).Items);
        Assert.Equal(0, await Store.CountConnectionsAsync(Nsp));
    }

    [StoreFact]
    public async Task ACursorTheStoreDidNotIssue_IsRefusedClearly()
    {
        await Store.AddConnectionAsync(Connection("c1", rooms: ["r"]));

        await Assert.ThrowsAsync<ArgumentException>(() => Store.ListRoomMembersAsync(Nsp, "r", new PageRequest("not a cursor!", 10)));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ListUsersAsync(Nsp, new PageRequest("*", 10)));
    }
}
