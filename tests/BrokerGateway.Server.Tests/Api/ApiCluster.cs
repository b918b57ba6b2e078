using BrokerGateway.Grpc.Client;
using BrokerGateway.Server.Hosting;
using Google.Protobuf;

namespace BrokerGateway.Server.Tests.Api;

/// <summary>
/// Three replicas on one nats-server and one redis-server, shared by the tests of a class; tests keep
/// apart by a namespace of their own. A gRPC client per replica.
/// </summary>
public sealed class ApiCluster : IAsyncLifetime, IAsyncDisposable
{
    readonly ClusterServers _servers = new();
    readonly List<GrpcClient> _clients = [];
    readonly Func<ServerSettings, ServerSettings>? _adjust;

    public ApiCluster() { }

    ApiCluster(Func<ServerSettings, ServerSettings>? adjust) => _adjust = adjust;

    readonly List<TestGateway> _replicas = [];

    /// <summary>The subject (and key) prefix that keeps this cluster apart on the shared servers.</summary>
    public string Prefix { get; } = Unique.Name("bgw");
    public IReadOnlyList<TestGateway> Replicas => _replicas;
    public ClusterServers Processes => _servers;
    public TestGateway this[int i] => _replicas[i];

    /// <summary>A cluster of its own (for tests that change the cluster: limits, outages, drains).</summary>
    public static async Task<ApiCluster> StartAsync(Func<ServerSettings, ServerSettings>? adjust = null)
    {
        var cluster = new ApiCluster(adjust);
        await cluster.InitializeAsync();
        return cluster;
    }

    public async Task InitializeAsync()
    {
        await _servers.InitializeAsync();
        if ((BrokerGateway.Testing.Servers.NatsSkipReason ?? BrokerGateway.Testing.Servers.RedisSkipReason) is not null) return;
        for (var i = 0; i < 3; i++)
        {
            _replicas.Add(await TestGateway.StartAsync(() =>
            {
                var settings = TestGateway.DefaultSettings(_servers.Nats.NatsUrl, _servers.Redis.RedisEndpoint, Prefix);
                return _adjust?.Invoke(settings) ?? settings;
            }));
        }
        foreach (var replica in _replicas)
            _clients.Add(new GrpcClient(new Uri($"http://127.0.0.1:{replica.GrpcPort}"), replica.Settings.ApiToken));
    }

    /// <summary>
    /// Waits until every replica's NATS subscriptions reached the server. A replica queues a SUB and goes on
    /// (it does not wait for the server), so a push sent from another replica right after a join could pass it.
    /// </summary>
    public async Task SubscriptionsReachedNatsAsync()
    {
        foreach (var replica in _replicas) await replica.Node.Broker.FlushAsync().WaitAsync(Calls.Timeout);
    }

    /// <summary>A replica as its own process, on this cluster's servers and prefix (see <see cref="TestGateway.StartProcessAsync"/>).</summary>
    public Task<GatewayProcess> StartReplicaProcessAsync() => TestGateway.StartProcessAsync(_servers.Nats.NatsUrl, _servers.Redis.RedisEndpoint, Prefix);

    /// <summary>The gRPC client of replica <paramref name="i"/> (with the API token when one is set).</summary>
    public GrpcClient Grpc(int i) => _clients[i];

    public async Task DisposeAsync()
    {
        foreach (var client in _clients) client.Dispose();
        foreach (var replica in _replicas) await replica.DisposeAsync();
        await _servers.DisposeAsync();
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());
}

/// <summary>
/// The API test classes run one after another: each starts replicas, servers and many sockets, and run
/// together they would crowd two cores and the ephemeral port range.
/// </summary>
[CollectionDefinition("api")]
public sealed class ApiCollection;

/// <summary>Calls with a bounded wait, by method name.</summary>
public static class Calls
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static Task<TResponse> Gateway<TResponse>(this GrpcClient client, string method, IMessage request, MessageParser<TResponse> parser)
        where TResponse : IMessage<TResponse>
        => client.UnaryAsync("/bgw.v1.Gateway/" + method, request, parser, Timeout);

    public static Task<TResponse> SocketM<TResponse>(this GrpcClient client, string method, IMessage request, MessageParser<TResponse> parser)
        where TResponse : IMessage<TResponse>
        => client.UnaryAsync("/api.SocketMService/" + method, request, parser, Timeout);

    /// <summary>The status a call fails with (fails the test if it succeeds).</summary>
    public static async Task<BrokerGateway.Grpc.GrpcException> FailsAsync(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<BrokerGateway.Grpc.GrpcException>(call);
        return e;
    }
}

/// <summary>Native clients as a test needs them: users by token, guests by the auth frame.</summary>
public static class Clients
{
    /// <summary>A user; its subscriptions have reached NATS when this returns (see <see cref="ApiCluster.SubscriptionsReachedNatsAsync"/>).</summary>
    public static async Task<TestClient> UserAsync(TestGateway replica, string uid, string nsp, string[]? rooms = null, string[]? topics = null)
    {
        var client = await TestClient.ConnectAsync(replica.PublicPort, Tokens.Hs256(uid, nsp: nsp, rooms: rooms, topics: topics));
        await replica.Node.Broker.FlushAsync().WaitAsync(Calls.Timeout);
        return client;
    }

    /// <summary>A guest: no token, an empty auth frame, the namespace from the query.</summary>
    public static async Task<(TestClient Client, string Conn)> GuestAsync(TestGateway replica, string nsp)
    {
        var client = await TestClient.ConnectAsync(replica.PublicPort, query: "&nsp=" + Uri.EscapeDataString(nsp), expectWelcome: false);
        await client.SendAsync(new JsonObject { ["type"] = "auth" });
        var welcome = await client.NextAsync("welcome");
        await replica.Node.Broker.FlushAsync().WaitAsync(Calls.Timeout);
        return (client, (string)welcome["conn"]!);
    }

    /// <summary>The pushes a client received before a ping round trip completed.</summary>
    public static async Task<List<JsonObject>> PushesAsync(this TestClient client) =>
        (await client.DrainUntilPongAsync()).Where(f => (string?)f["type"] == "push").ToList();
}
