using System.Text;
using BrokerGateway.Client;
using BrokerGateway.Nats;

namespace BrokerGateway.Bench.Uplink;

/// <summary>
/// The whole run: the cluster, the workers, the clients; then client messages, sequential RPC and concurrent
/// RPC, each as warm-up and measured rounds with the gateway and its NATS limit back to back, the side that
/// goes first alternating per round so drift on a shared machine favours neither.
/// </summary>
public sealed class UplinkRun(BenchOptions options, BenchReport report, Action<string> log)
{
    const int Workers = 2;
    const string RpcMethod = "echo";
    const string LimitRpcSubject = "bench.limit.rpc";
    static readonly TimeSpan RpcTimeout = TimeSpan.FromSeconds(15);

    Cluster? _cluster;

    /// <summary>For a signal handler or the watchdog: kill every child now.</summary>
    public void KillNow() => _cluster?.KillNow();

    public async Task RunAsync(CancellationToken ct)
    {
        log($"starting nats-server, redis-server and {options.Replicas} replicas ({options.ServerDll})");
        await using var cluster = _cluster = await Cluster.StartAsync(options, ct);
        log($"nats {cluster.Nats.NatsUrl}, redis {cluster.Redis.RedisEndpoint}, replicas on ports "
            + string.Join(", ", cluster.Replicas.Select(r => r.PublicPort)) + $"; logs in {cluster.LogDir}");

        var workers = new List<BackendClient>();
        var publishers = new List<NatsConnection>();
        var clients = new WsClient[options.Clients];
        try
        {
            for (var w = 0; w < Workers; w++)
                workers.Add(await BackendClient.ConnectAsync(cluster.Nats.NatsUrl, Cluster.SubjectPrefix, $"bench-worker-{w}", ct));
            // The limit's stand-ins for the replicas' own NATS connections: one each.
            for (var r = 0; r < options.Replicas; r++)
            {
                var publisher = new NatsConnection(new NatsOptions { Servers = [cluster.Nats.NatsUrl], Name = $"bench-limit-{r}", RequestTimeout = RpcTimeout });
                publishers.Add(publisher);
                await publisher.ConnectAsync(ct);
            }

            log($"connecting {options.Clients} clients");
            await Parallel.ForEachAsync(Enumerable.Range(0, options.Clients), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
                async (i, token) =>
                {
                    var replica = cluster.Replicas[i % cluster.Replicas.Count];
                    clients[i] = await WsClient.ConnectAsync(i, replica.Index, replica.WebSocketUri(cluster.Tokens.For($"bench-{i}")), token);
                });

            await MeasureSendsAsync(cluster, clients, workers, publishers, ct);
            await MeasureRpcAsync(cluster, clients, workers, publishers, ct);
            report.ClientFailures.AddRange(clients.Where(c => c?.Closed is not null).Select(c => $"client {c.Index} (replica {c.Replica}): {c.Closed}"));
            // The replicas' logs are kept for a look only when something went wrong.
            cluster.DeleteLogs = report.ClientFailures.Count == 0 && cluster.Replicas.All(r => !r.HasExited);
        }
        finally
        {
            await Task.WhenAll(clients.Where(c => c is not null).Select(c => c.DisposeAsync().AsTask()));
            foreach (var p in publishers) await p.DisposeAsync();
            foreach (var w in workers) await w.DisposeAsync();
        }
    }

    async Task MeasureSendsAsync(Cluster cluster, WsClient[] clients, List<BackendClient> workers, List<NatsConnection> publishers, CancellationToken ct)
    {
        await using var gateway = new GatewaySendSide(clients, Workers, options);
        await gateway.StartWorkersAsync(workers, ct);
        var warmUp = options with { Seconds = 2 };
        log("client messages: warm-up through the gateway");
        Log(await SendBench.RunRoundAsync(gateway, 0, warmUp, cluster, ct));
        if (gateway.EventBytes == 0) throw new InvalidOperationException("no client message reached a worker");
        report.EventBytes = gateway.EventBytes;

        // Each publisher has the credit of all the clients of its replica: the same messages in flight in all.
        await using var limit = new NatsSendSide(publishers, Workers, options.Window * options.Clients / publishers.Count, gateway.EventBytes);
        await limit.StartWorkersAsync(workers.Select(w => w.Connection).ToList(), ct);
        log("client messages: warm-up of the NATS limit");
        Log(await SendBench.RunRoundAsync(limit, 0, warmUp, cluster, ct));

        for (var round = 1; round <= options.Rounds; round++)
        {
            ISendSide[] order = round % 2 == 1 ? [gateway, limit] : [limit, gateway];
            foreach (var side in order)
            {
                var measured = await SendBench.RunRoundAsync(side, round, options, cluster, ct);
                report.Sends.Add(measured);
                Log(measured);
            }
        }
        report.GatewayDelivery = gateway.Ledger.Check();
        report.LimitDelivery = limit.Ledger.Check();
        log($"delivery through the gateway: {report.GatewayDelivery}");
        log($"delivery of the limit: {report.LimitDelivery}");
    }

    async Task MeasureRpcAsync(Cluster cluster, WsClient[] clients, List<BackendClient> workers, List<NatsConnection> publishers, CancellationToken ct)
    {
        var handlers = new List<IAsyncDisposable>();
        var responders = new List<NatsSubscription>();
        try
        {
            foreach (var w in workers)
            {
                handlers.Add(await w.HandleRpcAsync(GatewaySendSide.Namespace, RpcMethod, r => ValueTask.FromResult(r.Data), "bench-rpc", ct));
                responders.Add(await w.Connection.SubscribeAsync(LimitRpcSubject, msg => msg.ReplyAsync(msg.Data), "bench-limit-rpc", ct));
                await w.FlushAsync(ct);
            }
            // A JSON string travels as its UTF-8 text (docs/protocol.md), so the worker gets exactly these bytes.
            var text = new string('x', options.PayloadBytes);
            var bytes = Encoding.UTF8.GetBytes(text);
            RpcCall Gateway(WsClient c) => token => c.RpcAsync(RpcMethod, text, RpcTimeout, token);
            RpcCall Limit(NatsConnection p) => async token =>
            {
                await p.RequestAsync(LimitRpcSubject, bytes, timeout: RpcTimeout, cancellationToken: token);
                return true;
            };

            var rpcClients = clients.Take(options.RpcClients).ToArray();
            var gatewayCallers = Enumerable.Range(0, options.RpcInFlight).Select(i => Gateway(rpcClients[i % rpcClients.Length])).ToArray();
            var limitCallers = Enumerable.Range(0, options.RpcInFlight).Select(i => Limit(publishers[i % publishers.Count])).ToArray();
            var duration = TimeSpan.FromSeconds(options.Seconds);

            log("RPC: warm-up");
            await RpcBench.SequentialAsync(Side.Gateway, 0, Math.Min(500, options.RpcCalls), Gateway(clients[0]), cluster, ct);
            await RpcBench.SequentialAsync(Side.Limit, 0, Math.Min(500, options.RpcCalls), Limit(publishers[0]), cluster, ct);
            await RpcBench.ConcurrentAsync(Side.Gateway, 0, gatewayCallers, TimeSpan.FromSeconds(1), cluster, ct);
            await RpcBench.ConcurrentAsync(Side.Limit, 0, limitCallers, TimeSpan.FromSeconds(1), cluster, ct);

            for (var round = 1; round <= options.Rounds; round++)
            {
                Side[] order = round % 2 == 1 ? [Side.Gateway, Side.Limit] : [Side.Limit, Side.Gateway];
                foreach (var side in order)
                    Record(side == Side.Gateway
                        ? await RpcBench.SequentialAsync(side, round, options.RpcCalls, Gateway(clients[0]), cluster, ct)
                        : await RpcBench.SequentialAsync(side, round, options.RpcCalls, Limit(publishers[0]), cluster, ct));
            }
            for (var round = 1; round <= options.Rounds; round++)
            {
                Side[] order = round % 2 == 1 ? [Side.Gateway, Side.Limit] : [Side.Limit, Side.Gateway];
                foreach (var side in order)
                    Record(await RpcBench.ConcurrentAsync(side, round, side == Side.Gateway ? gatewayCallers : limitCallers, duration, cluster, ct));
            }
        }
        finally
        {
            foreach (var h in handlers) await h.DisposeAsync();
            foreach (var r in responders) await r.DisposeAsync();
        }
    }

    void Record(RpcRound r)
    {
        report.Rpcs.Add(r);
        log($"RPC {r.Side,-7} round {r.Round} in flight {r.InFlight,2}: {r.PerSecond,8:N0} calls/s  p50 {r.P50Us,7:N0} µs  p99 {r.P99Us,7:N0} µs  errors {r.Errors}");
    }

    void Log(SendRound r) =>
        log($"messages {r.Side,-7} round {r.Round}: {r.PerSecond,8:N0} msg/s  p50 {r.P50Us / 1000,6:N1} ms  p99 {r.P99Us / 1000,6:N1} ms  ({r.Messages:N0} in {r.WindowSeconds:0.0} s)");
}
