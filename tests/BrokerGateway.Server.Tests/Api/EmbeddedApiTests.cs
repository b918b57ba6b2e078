using Bgw.V1;
using BrokerGateway.Grpc.Client;
using Google.Protobuf;

namespace BrokerGateway.Server.Tests.Api;

/// <summary>The API on one replica with no servers: the in-memory broker and presence twins answer.</summary>
[Collection("api")]
public sealed class EmbeddedApiTests : IAsyncLifetime
{
    TestGateway _gateway = null!;
    GrpcClient _grpc = null!;

    public async Task InitializeAsync()
    {
        _gateway = await TestGateway.StartAsync(() => TestGateway.DefaultSettings());
        _grpc = new GrpcClient(new Uri($"http://127.0.0.1:{_gateway.GrpcPort}"));
    }

    public async Task DisposeAsync()
    {
        _grpc.Dispose();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task EveryKindOfCall_Works_WithTheInMemoryTwins()
    {
        var nsp = Unique.Name("nsp");
        await using var a = await Clients.UserAsync(_gateway, "7", nsp, rooms: ["r"]);
        await using var b = await Clients.UserAsync(_gateway, "8", nsp, rooms: ["r"]);

        var socketm = new global::Api.NspUsersBroadcastReq { NspName = nsp };
        socketm.Msgs.Add(new global::Api.UserMessage { UserId = 7, Msg = new global::Api.Message { Evt = "hello", Meta = "m" } });
        Assert.Equal(0u, (await _grpc.SocketM("NspUsersBroadcast", socketm, global::Api.NspUsersBroadcastResp.Parser)).Errcode);
        Assert.Equal("hello", (string?)(await a.NextAsync("push"))["event"]);

        var receipt = (await _grpc.Gateway("Publish", new PublishRequest
        {
            Nsp = nsp,
            Target = new Target { Kind = TargetKind.Room, Id = "r" },
            Push = new Push { Data = ByteString.CopyFromUtf8("both") },
            Receipt = true,
        }, PublishResponse.Parser)).Receipt;
        Assert.Equal((2L, 1, true), (receipt.Sockets, receipt.Nodes, receipt.Complete));

        var counts = await _grpc.Gateway("CountConnections", new CountRequest { Nsp = nsp }, ConnectionCounts.Parser);
        Assert.Equal((2L, 2L, 0L), (counts.Connections, counts.Users, counts.Guests));
        var metrics = await _grpc.Gateway("Metrics", new MetricsRequest(), MetricsResponse.Parser);
        Assert.Equal([_gateway.Node.NodeId], metrics.Nodes.Select(n => n.Node));
        Assert.True(metrics.Complete);

        await _grpc.Gateway("LeaveRooms", new RoomsRequest { Nsp = nsp, Uid = "8", Rooms = { "r" } }, SendResponse.Parser);
        await Eventually.TrueAsync(async () =>
            (await _grpc.Gateway("CountRoomMembers", new GroupsRequest { Nsp = nsp, Names = { "r" } }, CountsResponse.Parser)).Counts["r"] == 1);
    }

    [Fact]
    public async Task UnknownMethods_AnswerUnimplemented()
    {
        var method = await Calls.FailsAsync(() => _grpc.UnaryAsync("/bgw.v1.Gateway/NoSuchMethod", new CountRequest(), CountResponse.Parser, Calls.Timeout));
        Assert.Equal(BrokerGateway.Grpc.StatusCode.Unimplemented, method.StatusCode);
        var service = await Calls.FailsAsync(() => _grpc.UnaryAsync("/api.NoSuchService/NspBroadcast", new CountRequest(), CountResponse.Parser, Calls.Timeout));
        Assert.Equal(BrokerGateway.Grpc.StatusCode.Unimplemented, service.StatusCode);
    }
}
