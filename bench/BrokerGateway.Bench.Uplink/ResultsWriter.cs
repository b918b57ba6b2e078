using System.Globalization;
using System.Text;

namespace BrokerGateway.Bench.Uplink;

/// <summary>Renders <c>bench/results/uplink.md</c>.</summary>
public static class ResultsWriter
{
    static readonly CultureInfo Ci = CultureInfo.InvariantCulture;

    public static string Render(BenchReport r)
    {
        var o = r.Options;
        var sb = new StringBuilder();
        sb.AppendLine("# Uplink: client messages and client RPC through the gateway, beside NATS alone");
        sb.AppendLine();
        sb.AppendLine("`scripts/bench.sh uplink`. One run starts its own nats-server and redis-server on free loopback ports and");
        sb.AppendLine(Ci, $"{o.Replicas} gateway replicas (`dotnet BrokerGateway.Server.dll`, configured by `BGW_*` variables), measures both");
        sb.AppendLine("paths side by side, back to back in each round with the side that goes first alternating, and kills every");
        sb.AppendLine("process it started. Figures are medians over the measured rounds; \"vs limit\" is the median of the");
        sb.AppendLine("per-round ratios. Clients, workers and the limit's NATS connections live in the bench process; every");
        sb.AppendLine("process shares the same cores, so the bench's own clients take cycles the gateway could have used.");
        sb.AppendLine();
        sb.AppendLine("| | |");
        sb.AppendLine("|---|---|");
        foreach (var (name, value) in r.Environment) sb.AppendLine(Ci, $"| {name} | {value} |");
        sb.AppendLine(Ci, $"| load average (1 min) | {r.LoadBefore} before, {r.LoadAfter} after |");
        sb.AppendLine(Ci, $"| run time | {r.Duration.TotalSeconds:0} s |");

        Messages(sb, r);
        Rpc(sb, r);

        sb.AppendLine();
        sb.AppendLine("## Health of the run");
        sb.AppendLine();
        if (r.ClientFailures.Count == 0) sb.AppendLine(Ci, $"All {o.Clients} clients stayed connected to the end.");
        else foreach (var f in r.ClientFailures) sb.AppendLine(Ci, $"- {f}");
        return sb.ToString();
    }

    static void Messages(StringBuilder sb, BenchReport r)
    {
        var o = r.Options;
        var gateway = r.Sends.Where(s => s.Side == Side.Gateway).ToList();
        var limit = r.Sends.Where(s => s.Side == Side.Limit).ToList();
        sb.AppendLine();
        sb.AppendLine("## 1. Client messages to workers");
        sb.AppendLine();
        sb.AppendLine(Ci, $"- **Gateway**: {o.Clients} WebSocket clients, round-robin over the {o.Replicas} replicas, each sending");
        sb.AppendLine(Ci, $"  `{{\"type\":\"send\",\"event\":\"bench\",\"data\":\"…\"}}` (no `id`: fire and forget) with a {o.PayloadBytes}-byte string as `data`.");
        sb.AppendLine("  The replicas publish each as a protobuf `ClientEvent` on `bgw.default.events.message`; two SDK workers");
        sb.AppendLine(Ci, $"  (`BackendClient.ConsumeEventsAsync`, own NATS connections) share them in one queue group. An event is {r.EventBytes} bytes.");
        sb.AppendLine(Ci, $"- **Limit**: NATS alone. One publishing connection per replica, publishing {r.EventBytes}-byte payloads with the");
        sb.AppendLine("  same `Content-Type` header, to the same two worker connections in one queue group (plain subscriptions).");
        sb.AppendLine(Ci, $"- **Window**: a message costs its sender one credit and the worker that receives it gives it back; a client");
        sb.AppendLine(Ci, $"  has {o.Window}, so at most {o.Window * o.Clients:N0} messages are in flight on either side (the limit's publishers");
        sb.AppendLine(Ci, $"  hold {o.Window * o.Clients / Math.Max(1, o.Replicas):N0} each). The window bounds queues, so latency under this load is mostly queueing");
        sb.AppendLine("  (in flight ÷ rate); the one-at-a-time figures are in section 2.");
        sb.AppendLine(Ci, $"- **Rounds**: a warm-up round per side, then {o.Rounds} per side: {o.RampSeconds:0.##} s of ramp-up, a {o.Seconds:0.#} s measured");
        sb.AppendLine("  window (messages the workers received in it; latency from the client's send call to the worker's handler, by");
        sb.AppendLine("  `Stopwatch.GetTimestamp()` in the payload), then the senders stop and the round waits for every message.");
        sb.AppendLine();
        sb.AppendLine("| path | messages/s | p50 ms | p99 ms | messages/s vs limit |");
        sb.AppendLine("|---|---:|---:|---:|---:|");
        var ratio = Stats.Median(gateway.Join(limit, g => g.Round, l => l.Round, (g, l) => g.PerSecond / l.PerSecond));
        Row("NATS publish → queue subscribers (limit)", limit, "100%");
        Row("clients → gateway → NATS → SDK workers", gateway, Percent(ratio));
        sb.AppendLine();
        sb.AppendLine("Per round, messages/s (gateway / limit): " + string.Join("; ", gateway.Join(limit, g => g.Round, l => l.Round,
            (g, l) => string.Format(Ci, "{0:N0} / {1:N0}", g.PerSecond, l.PerSecond))) + ".");
        sb.AppendLine();
        sb.AppendLine("Exactly once, every message of every round including warm-ups (a worker checks each connection's `seq`");
        sb.AppendLine("and each sender's counter only ever rise; the two workers' receipts together must hold each counter once):");
        sb.AppendLine();
        sb.AppendLine("| path | sent | received | lost | duplicates | out of order | unreadable | verdict |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|");
        Delivery("gateway", r.GatewayDelivery);
        Delivery("limit", r.LimitDelivery);

        sb.AppendLine();
        sb.AppendLine("CPU time per message received, in microseconds, over the measured windows (user + system, from");
        sb.AppendLine("`/proc/<pid>/stat`), and how busy the machine's cores were in them with this run's processes (the rest of the");
        sb.AppendLine("machine's load, see the load average, takes the remainder). On loopback the kernel charges much of the");
        sb.AppendLine("receiving side's TCP work to the sending process.");
        sb.AppendLine();
        Cpu(sb, gateway.Select(s => (s.CpuSeconds, s.Messages, s.WindowSeconds)).ToList(), limit.Select(s => (s.CpuSeconds, s.Messages, s.WindowSeconds)).ToList());

        void Row(string name, List<SendRound> s, string vs) =>
            sb.AppendLine(Ci, $"| {name} | {Stats.Median(s.Select(x => x.PerSecond)):N0} | {Stats.Median(s.Select(x => x.P50Us)) / 1000:N1} | {Stats.Median(s.Select(x => x.P99Us)) / 1000:N1} | {vs} |");

        void Delivery(string name, DeliveryCheck d) =>
            sb.AppendLine(Ci, $"| {name} | {d.Sent:N0} | {d.Received:N0} | {d.Lost:N0} | {d.Duplicates:N0} | {d.OutOfOrder:N0} | {d.Unreadable:N0} | {(d.ExactlyOnceInOrder ? "exactly once, in order" : "**FAILED**")} |");
    }

    static void Rpc(StringBuilder sb, BenchReport r)
    {
        var o = r.Options;
        sb.AppendLine();
        sb.AppendLine("## 2. Client RPC");
        sb.AppendLine();
        sb.AppendLine(Ci, $"- **Gateway**: `{{\"type\":\"rpc\",\"method\":\"echo\",\"id\":n,\"data\":\"…\"}}` with a {o.PayloadBytes}-byte string; the replica makes it");
        sb.AppendLine("  a NATS request on `bgw.default.rpc.echo` (with its five `Bgw-*` headers), one of the two SDK workers");
        sb.AppendLine("  (`BackendClient.HandleRpcAsync`, one queue group) echoes the bytes, and the replica answers `{\"type\":\"reply\",…}`.");
        sb.AppendLine(Ci, $"  One at a time: {o.RpcCalls:N0} calls per round from one client. In flight: {o.RpcInFlight} callers in closed loops over");
        sb.AppendLine(Ci, $"  {o.RpcClients} clients ({o.RpcInFlight / Math.Max(1, o.RpcClients)} each; a client may have {o.RpcPerClient}), spread over the replicas, for {o.Seconds:0.#} s.");
        sb.AppendLine(Ci, $"- **Limit**: our NATS client alone, `NatsConnection.RequestAsync` with the same {o.PayloadBytes} bytes (no headers) to the");
        sb.AppendLine("  same two worker connections answering with `msg.ReplyAsync` in one queue group; requests from one connection per");
        sb.AppendLine("  replica (the replicas' stand-ins), the same number in flight.");
        sb.AppendLine("- Latency is from sending the call to having its answer, per call; a warm-up precedes each kind.");
        sb.AppendLine();
        sb.AppendLine("| path | in flight | calls/s | p50 µs | p99 µs | errors | calls/s vs limit | p50 vs limit |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var inFlight in r.Rpcs.Select(x => x.InFlight).Distinct().Order())
        {
            var gateway = r.Rpcs.Where(x => x.Side == Side.Gateway && x.InFlight == inFlight).ToList();
            var limit = r.Rpcs.Where(x => x.Side == Side.Limit && x.InFlight == inFlight).ToList();
            var rate = Stats.Median(gateway.Join(limit, g => g.Round, l => l.Round, (g, l) => g.PerSecond / l.PerSecond));
            var p50 = Stats.Median(gateway.Join(limit, g => g.Round, l => l.Round, (g, l) => g.P50Us / l.P50Us));
            Row("NATS request/reply (limit)", limit, "100%", "1.0×");
            Row("client → gateway → NATS → SDK worker", gateway, Percent(rate), string.Format(Ci, "{0:0.0}×", p50));

            void Row(string name, List<RpcRound> s, string vsRate, string vsP50) =>
                sb.AppendLine(Ci, $"| {name} | {inFlight} | {Stats.Median(s.Select(x => x.PerSecond)):N0} | {Stats.Median(s.Select(x => x.P50Us)):N0} | {Stats.Median(s.Select(x => x.P99Us)):N0} | {s.Sum(x => x.Errors)} | {vsRate} | {vsP50} |");
        }
        sb.AppendLine();
        sb.AppendLine("Per round, calls/s and p50 µs (gateway / limit):");
        sb.AppendLine();
        foreach (var inFlight in r.Rpcs.Select(x => x.InFlight).Distinct().Order())
        {
            var rows = r.Rpcs.Where(x => x.InFlight == inFlight && x.Side == Side.Gateway)
                .Join(r.Rpcs.Where(x => x.InFlight == inFlight && x.Side == Side.Limit), g => g.Round, l => l.Round,
                    (g, l) => string.Format(Ci, "{0:N0} / {1:N0} calls/s, {2:N0} / {3:N0} µs", g.PerSecond, l.PerSecond, g.P50Us, l.P50Us));
            sb.AppendLine(Ci, $"- {inFlight} in flight: {string.Join("; ", rows)}");
        }
        var concurrent = r.Rpcs.Where(x => x.InFlight > 1).ToList();
        if (concurrent.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine(Ci, $"CPU time per call with {o.RpcInFlight} in flight, in microseconds, and how busy the cores were:");
            sb.AppendLine();
            Cpu(sb, concurrent.Where(x => x.Side == Side.Gateway).Select(x => (x.CpuSeconds, x.Calls, x.Calls / x.PerSecond)).ToList(),
                concurrent.Where(x => x.Side == Side.Limit).Select(x => (x.CpuSeconds, x.Calls, x.Calls / x.PerSecond)).ToList());
        }
    }

    static void Cpu(StringBuilder sb, List<(IReadOnlyDictionary<string, double> Cpu, long Count, double Seconds)> gateway,
        List<(IReadOnlyDictionary<string, double> Cpu, long Count, double Seconds)> limit)
    {
        var names = gateway.Concat(limit).SelectMany(x => x.Cpu.Keys).Distinct().ToList();
        sb.AppendLine("| process | gateway path, µs | limit, µs |");
        sb.AppendLine("|---|---:|---:|");
        foreach (var name in names) sb.AppendLine(Ci, $"| {name} | {PerItem(gateway, name)} | {PerItem(limit, name)} |");
        sb.AppendLine(Ci, $"| **all** | {PerItem(gateway, null)} | {PerItem(limit, null)} |");
        sb.AppendLine(Ci, $"| cores busy | {Busy(gateway)} | {Busy(limit)} |");

        // CPU seconds per item, in microseconds.
        static string PerItem(List<(IReadOnlyDictionary<string, double> Cpu, long Count, double Seconds)> rounds, string? name)
        {
            var cpu = rounds.Sum(r => name is null ? r.Cpu.Values.Where(v => !double.IsNaN(v)).Sum() : r.Cpu.GetValueOrDefault(name, double.NaN));
            var count = rounds.Sum(r => r.Count);
            return count == 0 || double.IsNaN(cpu) ? "n/a" : (cpu * 1_000_000 / count).ToString("0.00", Ci);
        }

        static string Busy(List<(IReadOnlyDictionary<string, double> Cpu, long Count, double Seconds)> rounds)
        {
            var cpu = rounds.Sum(r => r.Cpu.Values.Where(v => !double.IsNaN(v)).Sum());
            var seconds = rounds.Sum(r => r.Seconds);
            return seconds <= 0 ? "n/a" : (cpu / seconds / Environment.ProcessorCount).ToString("0%", Ci);
        }
    }

    static string Percent(double ratio) => double.IsNaN(ratio) ? "n/a" : (ratio * 100).ToString("0", Ci) + "%";
}
