namespace BrokerGateway.Server.Tests.Api;

/// <summary>
/// @grpc/grpc-js, an implementation nobody here wrote, loads the SocketM proto exactly as its users have it
/// and calls the cluster; native clients on other replicas receive what it sent.
/// </summary>
[Collection("api")]
public sealed class SocketMInteropTests(ApiCluster api) : IClassFixture<ApiCluster>
{
    [InteropFact]
    public async Task GrpcJs_CallsEverySocketMMethod_AndClientsOnOtherReplicasReceiveIt()
    {
        var nsp = Unique.Name("nsp");
        await using var client = await Clients.UserAsync(api[1], "4242", nsp, rooms: ["hall"]);
        await using var bystander = await Clients.UserAsync(api[2], "1", nsp);

        await SocketMInterop.RunAsync(api[0].GrpcPort, new { nsp, room = "hall", userId = "4242" }, "socketm");

        var toNsp = await client.NextAsync("push");
        Assert.Equal("to-nsp", (string?)toNsp["event"]);
        Assert.Equal("{\"from\":\"grpc-js\"}", (string?)toNsp["data"]!["meta"]);
        Assert.Equal("id-to-nsp", (string?)toNsp["data"]!["id"]);
        Assert.Equal("to-room", (string?)(await client.NextAsync("push"))["event"]);
        Assert.Equal("to-user", (string?)(await client.NextAsync("push"))["event"]);
        Assert.Equal(4056, (int?)(await client.NextAsync("disconnect"))["code"]);
        Assert.Equal("to-nsp", (string?)(await bystander.NextAsync("push"))["event"]);
        Assert.Empty(await bystander.PushesAsync());
    }

    [InteropFact]
    public Task GrpcJs_SeesInvalidArgument_NamingTheBadSocketMField() =>
        SocketMInterop.RunAsync(api[2].GrpcPort, new { nsp = Unique.Name("nsp") }, "socketm-errors");

    [InteropFact]
    public async Task GrpcJs_UsesTheGatewayService_WalksPages_AndGetsAnExactReceipt()
    {
        var nsp = Unique.Name("nsp");
        await using var a = await Clients.UserAsync(api[0], "a", nsp);
        await using var b = await Clients.UserAsync(api[1], "b", nsp);
        await using var c = await Clients.UserAsync(api[2], "c", nsp);

        await SocketMInterop.RunAsync(api[1].GrpcPort, new { nsp, connections = 3 }, "gateway");

        foreach (var client in new[] { a, b, c }) Assert.Equal("receipt", (string?)(await client.NextAsync("push"))["event"]);
    }

    [InteropFact]
    public Task GrpcJs_ChecksHealth_OfTheServerAndEachService() =>
        SocketMInterop.RunAsync(api[0].GrpcPort, new { }, "health");

    [InteropFact]
    public Task GrpcJs_ListsServices_AndCallsSocketMThroughAClientBuiltFromReflection() =>
        SocketMInterop.RunAsync(api[1].GrpcPort, new { nsp = Unique.Name("nsp") }, "reflection");

    [InteropFact]
    public Task GrpcJs_SeesDeadlineExceeded_WhenAWatchOutlivesItsDeadline() =>
        SocketMInterop.RunAsync(api[2].GrpcPort, new { nsp = Unique.Name("nsp") }, "deadline");

    [InteropFact]
    public Task GrpcJs_SeesUnimplemented_ForUnknownMethodsAndServices() =>
        SocketMInterop.RunAsync(api[0].GrpcPort, new { }, "unimplemented");

    [InteropFact]
    public async Task GrpcJs_NeedsTheApiToken_WhenOneIsSet()
    {
        var token = Unique.Name("token");
        await using var secured = await ApiCluster.StartAsync(s => s with { ApiToken = token });
        await SocketMInterop.RunAsync(secured[0].GrpcPort, new { nsp = Unique.Name("nsp"), token }, "auth", "health");
    }
}
