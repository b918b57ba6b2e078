using System.Globalization;
using System.Net.WebSockets;
using BrokerGateway.Core.Addressing;

namespace BrokerGateway.Server.Tests;

/// <summary>
/// Clients that come and go while pushes reach them (the batched sends hold each socket's descriptor only
/// for the length of a submission): a replica process ends with the descriptors it started with.
/// </summary>
public sealed class ChurnTests : IAsyncLifetime
{
    readonly ClusterServers _servers = new();

    public Task InitializeAsync() => _servers.InitializeAsync();
    public Task DisposeAsync() => _servers.DisposeAsync();

    [ClusterFact]
    public async Task ClientsThatLeaveOrDropWhilePushesFlow_LeaveNoDescriptorOpen()
    {
        await using var cluster = await TestCluster.StartAsync(_servers, replicas: 1);
        await using var replica = await cluster.StartReplicaProcessAsync();
        var room = Unique.Name("room");
        var target = Target.Room("default", room);

        async Task<int> ConnectionsAsync() => (int)(await replica.MetricsAsync(CancellationToken.None))["bgw_connections"];
        async Task RoundAsync(int clients)
        {
            var sockets = new List<ClientWebSocket>();
            for (var i = 0; i < clients; i++)
            {
                var ws = new ClientWebSocket();
                await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{replica.PublicPort}/v1/ws?token={Tokens.Hs256($"u{i}", rooms: [room])}"), CancellationToken.None)
                    .WaitAsync(TestClient.Timeout);
                sockets.Add(ws);
            }
            await Eventually.TrueAsync(async () => await ConnectionsAsync() == clients, TimeSpan.FromSeconds(15));
            // Pushes in flight while half the clients drop (unread data: the kernel resets those connections)
            // and the other half close politely.
            for (var p = 0; p < 50; p++) await cluster[0].Node.PublishAsync(target, "{\"churn\":true}"u8.ToArray());
            for (var i = 0; i < sockets.Count; i++)
            {
                if (i % 2 == 0) sockets[i].Abort();
                else _ = sockets[i].CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                if (i % 10 == 0) await cluster[0].Node.PublishAsync(target, "{\"churn\":true}"u8.ToArray());
            }
            await Eventually.TrueAsync(async () => await ConnectionsAsync() == 0, TimeSpan.FromSeconds(30), "every client is gone");
            foreach (var ws in sockets) ws.Dispose();
        }

        await RoundAsync(20); // first use: pools, timers and the rings are made here, not counted
        var baseline = OpenDescriptors(replica.Pid);
        for (var round = 0; round < 4; round++) await RoundAsync(150);

        await Eventually.TrueAsync(() => OpenDescriptors(replica.Pid) <= baseline, TimeSpan.FromSeconds(15),
            $"descriptors back to {baseline.ToString(CultureInfo.InvariantCulture)}");
    }

    static int OpenDescriptors(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;
}
