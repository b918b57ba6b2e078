using System.Globalization;
using System.Text;

namespace BrokerGateway.Bench.Fanout;

/// <summary>Writes the report as Markdown: summary against the goals, reference rows, every run, memory, method.</summary>
public static class ResultsWriter
{
    const double Kib = 1024;

    public static string Render(BenchReport r)
    {
        var o = r.Options;
        var s = new StringBuilder();
        s.AppendLine("# Fan-out benchmark: pushes to rooms over three replicas");
        s.AppendLine();
        s.AppendLine(Inv($"Written by `scripts/bench.sh fanout` on {r.Started:yyyy-MM-dd HH:mm} UTC; the run took {r.Duration.TotalSeconds:F0} s."));
        s.AppendLine();
        s.AppendLine("| machine and software | |");
        s.AppendLine("|---|---|");
        foreach (var (k, v) in r.Environment) s.AppendLine($"| {k} | {v} |");
        s.AppendLine();
        s.AppendLine("Shape: " + Inv($"{o.Clients:N0} WebSocket clients spread evenly over {o.Replicas} replica processes (one nats-server, one redis-server), ") +
            Inv($"{o.Rooms} rooms of {o.MembersPerRoom} members (each client in one room, every room on every replica), ") +
            Inv($"{o.Messages:N0} pushes of {o.PayloadBytes} bytes per loaded run from one NATS publisher, round-robin over the rooms, ") +
            Inv($"at most {o.Window} pushes in flight (a push is in flight until all {o.MembersPerRoom} members of its room have it). ") +
            Inv($"Unloaded runs: {o.UnloadedMessages} pushes, one at a time. {o.Runs} runs of each; figures are medians over the runs. ") +
            Inv($"Idle memory: {o.IdleClients:N0} clients in rooms of {o.IdleRoomSize} on fresh replicas, spread over all {o.Replicas}."));
        s.AppendLine();

        Summary(s, r);
        References(s, r);
        Runs(s, r);
        CpuSplit(s, r);
        Memory(s, r);
        Method(s, r);
        return s.ToString();
    }

    static void Summary(StringBuilder s, BenchReport r)
    {
        s.AppendLine(Inv($"## Summary (medians of {r.Loaded.Count} runs)"));
        s.AppendLine();
        s.AppendLine("| metric | measured | goal | met |");
        s.AppendLine("|---|---:|---:|:---:|");
        var dps = Median(r.Loaded, x => x.DeliveriesPerSecond);
        var cpu = Median(r.Loaded, x => x.ServerMicrosPerDelivery);
        var up50 = Median(r.Unloaded, x => x.P50) / 1000;
        var up99 = Median(r.Unloaded, x => x.P99) / 1000;
        var all = r.AllRuns.ToList();
        var lost = all.Sum(x => x.Lost);
        var dup = all.Sum(x => x.Duplicates + x.Misrouted);
        Row(s, "deliveries per second, loaded", Inv($"{dps:N0}"), "≥ 140,000", dps >= 140_000);
        Row(s, "server CPU per delivery, sum of the replicas", Inv($"{cpu:F2} µs"), "≤ 8 µs", cpu <= 8);
        Row(s, "publish-to-receive latency, loaded p50 / p90 / p99",
            Inv($"{Median(r.Loaded, x => x.P50) / 1000:F2} / {Median(r.Loaded, x => x.P90) / 1000:F2} / {Median(r.Loaded, x => x.P99) / 1000:F2} ms"), "—", null);
        Row(s, "publish-to-receive latency, unloaded p50", Inv($"{up50:F2} ms"), "≤ 1 ms", up50 <= 1);
        Row(s, "publish-to-receive latency, unloaded p99", Inv($"{up99:F2} ms"), "≤ 3.5 ms", up99 <= 3.5);
        Row(s, Inv($"lost / duplicate deliveries, all {all.Count} runs ({all.Sum(x => x.Expected):N0} deliveries)"), Inv($"{lost} / {dup}"), "0 / 0", lost == 0 && dup == 0);
        if (r.IdleMemory is { } idle)
        {
            Row(s, Inv($"GC heap per idle connection at {idle.Clients:N0}"), Inv($"{idle.HeapPerConnection / Kib:F2} KiB"), "≤ 6 KiB", idle.HeapPerConnection <= 6 * Kib);
            Row(s, Inv($"RSS per idle connection at {idle.Clients:N0}"), Inv($"{idle.RssPerConnection / Kib:F2} KiB"), "≤ 10 KiB", idle.RssPerConnection <= 10 * Kib);
        }
        if (r.Capacity is { } cap)
        {
            var reached = cap.Push.Received == cap.Push.Expected && cap.Push.Duplicates == 0;
            Row(s, Inv($"sockets on one replica, each reached by a push to its room"),
                Inv($"{cap.Clients:N0} (connected in {cap.ConnectSeconds:F1} s; {cap.Push.Received:N0} / {cap.Push.Expected:N0} delivered)"), "19,000", cap.Clients >= 19_000 && reached);
            Row(s, Inv($"GC heap / RSS per connection at {cap.Clients:N0} on one replica"),
                Inv($"{cap.HeapPerConnection / Kib:F2} / {cap.RssPerConnection / Kib:F2} KiB"), "—", null);
        }
        if (r.LoadedMemory is { } loaded)
            Row(s, Inv($"GC heap / RSS per connection at {loaded.Clients:N0} (loaded shape)"),
                Inv($"{loaded.HeapPerConnection / Kib:F2} / {loaded.RssPerConnection / Kib:F2} KiB"), "—", null);
        Row(s, "bench process CPU per delivery (3,000 clients + publisher)", Inv($"{Median(r.Loaded, x => x.BenchMicrosPerDelivery):F2} µs"), "—", null);
        Row(s, "sockets closed by the gateway during the runs", Inv($"{r.UnexpectedCloses}"), "0", r.UnexpectedCloses == 0);
        s.AppendLine();
        foreach (var sample in r.CloseSamples) s.AppendLine($"- unexpected close: {sample}");
        if (r.CloseSamples.Count > 0) s.AppendLine();
    }

    static void References(StringBuilder s, BenchReport r)
    {
        s.AppendLine("## Beside the goal and other servers");
        s.AppendLine();
        s.AppendLine("| system | deliveries/s | server CPU per delivery | unloaded p50 / p99 | heap / RSS per idle connection |");
        s.AppendLine("|---|---:|---:|---:|---:|");
        var idle = r.IdleMemory;
        s.AppendLine(Inv($"| **BrokerGateway, this run** | {Median(r.Loaded, x => x.DeliveriesPerSecond):N0} | {Median(r.Loaded, x => x.ServerMicrosPerDelivery):F2} µs | ") +
            Inv($"{Median(r.Unloaded, x => x.P50) / 1000:F2} / {Median(r.Unloaded, x => x.P99) / 1000:F2} ms | ") +
            (idle is null ? "— |" : Inv($"{idle.HeapPerConnection / Kib:F1} / {idle.RssPerConnection / Kib:F1} KiB |")));
        s.AppendLine("| goal | ≥ 140,000 | ≤ 8 µs | ≤ 1 / ≤ 3.5 ms | ≤ 6 / ≤ 10 KiB |");
        s.AppendLine("| Socket.IO 4.8 + redis-adapter, same shape (reference, measured earlier, not in this run) | ~70,000 | ~16 µs | 1.6 / 5.1 ms | 11 / 15–22 KiB |");
        s.AppendLine("| bare Kestrel app writing pre-encoded frames, one write per frame (reference, measured earlier, not in this run) | — | 7–8 µs in one process, 10–11 µs across three | — | — |");
        s.AppendLine();
    }

    static void Runs(StringBuilder s, BenchReport r)
    {
        s.AppendLine("## Every run");
        s.AppendLine();
        s.AppendLine("Latency in ms. CPU is the change of utime + stime in /proc over the run; \"replicas\" is the sum over the replica processes. " +
            "The bench process holds every client socket and the publisher. TCP segments are the machine's (/proc/net/snmp OutSegs), all loopback traffic of this run.");
        s.AppendLine();
        s.AppendLine("| run | pushes | window | delivered / expected | lost | dup | elapsed s | deliveries/s | p50 | p90 | p99 | max | replicas CPU s (user + sys) | replicas µs/delivery | bench µs/delivery | nats-server CPU s | redis CPU s | TCP segments per delivery | replica counted |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var x in r.AllRuns)
        {
            var t = x.ReplicaTotal;
            s.AppendLine(Inv($"| {x.Kind}{(x.Completed ? "" : " (timed out)")} | {x.Messages:N0} | {x.Window} | {x.Received:N0} / {x.Expected:N0} | {x.Lost} | {x.Duplicates + x.Misrouted} | ") +
                Inv($"{x.ElapsedSeconds:F3} | {(x.Window > 1 ? x.DeliveriesPerSecond.ToString("N0", CultureInfo.InvariantCulture) : "—")} | ") +
                Inv($"{x.P50 / 1000:F2} | {x.P90 / 1000:F2} | {x.P99 / 1000:F2} | {x.Max / 1000:F2} | ") +
                Inv($"{t.CpuSeconds:F2} ({t.UserSeconds:F2} + {t.SystemSeconds:F2}) | {x.ServerMicrosPerDelivery:F2} | {x.BenchMicrosPerDelivery:F2} | ") +
                Inv($"{x.NatsCpu.CpuSeconds:F2} | {x.RedisCpu.CpuSeconds:F2} | {(x.Received > 0 ? (double)x.TcpSegments / x.Received : 0):F2} | {x.ServerDeliveries:N0} |"));
        }
        s.AppendLine();
        s.AppendLine("\"replica counted\" is the replicas' own `bgw_deliveries_total` over the run (pushes queued to local sockets); it should equal the deliveries the clients counted.");
        s.AppendLine();
    }

    static void CpuSplit(StringBuilder s, BenchReport r)
    {
        if (r.Loaded.Count == 0) return;
        s.AppendLine("## Where the replicas' CPU goes");
        s.AppendLine();
        s.AppendLine("User and kernel time per replica (loaded runs), from /proc/<pid>/stat:");
        s.AppendLine();
        s.AppendLine("| run | replica | user s | kernel s | kernel share | µs per delivery | context switches per delivery (voluntary + involuntary) |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var x in r.Loaded)
        {
            var perReplica = x.Received / (double)x.ReplicaCpu.Length;
            for (var i = 0; i < x.ReplicaCpu.Length; i++)
            {
                var c = x.ReplicaCpu[i];
                s.AppendLine(Inv($"| {x.Kind} | {i} | {c.UserSeconds:F2} | {c.SystemSeconds:F2} | {Share(c):P0} | {c.CpuSeconds * 1e6 / perReplica:F2} | ") +
                    Inv($"{(c.VoluntarySwitches + c.InvoluntarySwitches) / perReplica:F3} ({c.VoluntarySwitches:N0} + {c.InvoluntarySwitches:N0}) |"));
            }
        }
        s.AppendLine();
        s.AppendLine("By thread, summed over the replicas (µs per delivery; from /proc/<pid>/task/<tid>/stat and the names .NET gives its threads: " +
            "\".NET Tiered Com\" is the JIT's tier-up worker, \".NET TP Worker\" the thread pool that runs the fan-out, the WebSocket sends and Kestrel's socket writes, " +
            "\".NET Sockets\" the epoll loop):");
        s.AppendLine();
        s.AppendLine("| run | " + string.Join(" | ", ThreadCpu.Groups) + " | all |");
        s.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", ThreadCpu.Groups.Length + 1)));
        foreach (var x in r.Unloaded.Concat(r.Loaded))
        {
            var per = x.Received > 0 ? 1e6 / x.Received : 0;
            s.AppendLine($"| {x.Kind} | " + string.Join(" | ", x.ReplicaThreadCpu.Select(v => Inv($"{v * per:F2}"))) + Inv($" | {x.ReplicaTotal.CpuSeconds * per:F2} |"));
        }
        s.AppendLine();
        var kernel = Median(r.Loaded, x => Share(x.ReplicaTotal));
        s.AppendLine(Inv($"Median kernel share of the replicas' CPU in the loaded runs: {kernel:P0}."));
        s.AppendLine();
        if (r.Syscalls is { Count: > 0 } calls && r.SyscallRun is { Received: > 0 } run)
        {
            s.AppendLine(Inv($"System calls of the replicas during one more loaded run (\"{run.Kind}\", {run.Received:N0} deliveries; `perf stat` on the syscall tracepoints), per delivery:"));
            s.AppendLine();
            s.AppendLine("| " + string.Join(" | ", SyscallCounter.Calls) + " |");
            s.AppendLine("|" + string.Concat(Enumerable.Repeat("---:|", SyscallCounter.Calls.Length)));
            s.AppendLine("| " + string.Join(" | ", SyscallCounter.Calls.Select(c => Inv($"{calls.GetValueOrDefault(c) / (double)run.Received:F3}"))) + " |");
            s.AppendLine();
        }
    }

    static void Memory(StringBuilder s, BenchReport r)
    {
        s.AppendLine("## Memory per connection");
        s.AppendLine();
        s.AppendLine("Each sample follows a full blocking GC induced in the replica from outside (see Method); per replica, (after − before) / connections gained, then averaged over replicas.");
        s.AppendLine();
        foreach (var m in new[] { r.LoadedMemory, r.IdleMemory }.OfType<MemoryResult>())
        {
            s.AppendLine($"**{m.Label}**: " + Inv($"{m.HeapPerConnection / Kib:F2} KiB GC heap and {m.RssPerConnection / Kib:F2} KiB RSS per connection") +
                (m.AllInduced ? "." : " (a GC could not be induced in some samples: heap figures include uncollected garbage; " +
                    string.Join("; ", m.Before.Concat(m.After).Select(x => x.GcError).OfType<string>().Distinct()) + ")."));
            s.AppendLine();
            s.AppendLine("| replica | connections | GC heap before → after (MiB) | RSS before → after (MiB) | heap per connection (KiB) | RSS per connection (KiB) | heap before the induced GC, before → after (MiB) |");
            s.AppendLine("|---:|---:|---:|---:|---:|---:|---:|");
            for (var i = 0; i < m.After.Length; i++)
            {
                var (b, a) = (m.Before[i], m.After[i]);
                var n = Math.Max(1, a.Connections - b.Connections);
                s.AppendLine(Inv($"| {i} | {a.Connections:N0} | {b.HeapBytes / Kib / Kib:F1} → {a.HeapBytes / Kib / Kib:F1} | {b.RssBytes / Kib / Kib:F1} → {a.RssBytes / Kib / Kib:F1} | ") +
                    Inv($"{(a.HeapBytes - b.HeapBytes) / Kib / n:F2} | {(a.RssBytes - b.RssBytes) / Kib / n:F2} | ") +
                    Inv($"{b.UncollectedHeapBytes / Kib / Kib:F1} → {a.UncollectedHeapBytes / Kib / Kib:F1} |"));
            }
            s.AppendLine();
        }
    }

    static void Method(StringBuilder s, BenchReport r)
    {
        s.AppendLine("## Method");
        s.AppendLine();
        s.AppendLine("- The bench starts nats-server, redis-server and the replicas (`dotnet BrokerGateway.Server.dll`, configured by `BGW_*` variables) on free loopback ports, and kills them all at the end, on failure, on Ctrl-C and at its deadline.");
        s.AppendLine("- Clients are `ClientWebSocket`s in the bench process with a token whose `rooms` claim puts them in their room on connect. A receive loop per socket reuses one buffer and finds the payload with a byte search; no JSON is parsed.");
        if (r.Options.ClientInlineCompletions)
            s.AppendLine("- The bench process runs with `DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1` (the replicas do not): each client's receive continues on the socket engine's thread instead of a thread-pool hop; compared with it off, the clients' CPU per delivery in the unloaded runs fell by about a third (from ~18 to ~12 µs), which leaves more of the shared cores to the replicas.");
        s.AppendLine("- Each payload is JSON `{\"s\":seq,\"t\":sent,\"p\":\"xx…\"}` (the gateway embeds it as the push's `data` as it is); `sent` is `Stopwatch.GetTimestamp()` (CLOCK_MONOTONIC) at publish, and latency is taken when the client's frame is complete: NATS publish → nats-server → replica → WebSocket → client.");
        s.AppendLine("- Loaded: the publisher keeps up to the window of pushes in flight; deliveries/s = deliveries / (first publish → last delivery). Unloaded: one push at a time, the next once all members have the last.");
        s.AppendLine("- Every client records which pushes it saw, so lost (never arrived), duplicate (arrived twice) and misrouted (arrived at a client not in the room) deliveries are counted exactly.");
        s.AppendLine("- Before any run the bench reads each replica's `/metrics` 200 times and waits until the replicas compile nothing for a second: it reads them around every run, an HTTP path the replicas would otherwise tier up in bursts during measured runs.");
        s.AppendLine("- Warm-up rounds (not counted; in the run table) come first: a loaded run and a tenth of it one at a time, repeated until the replicas' tiered-compilation thread takes under " +
            Inv($"{r.Options.WarmupJitShare:P0} of their CPU in {r.Options.WarmupQuietRounds} rounds in a row (at most {r.Options.WarmupRounds} rounds), so the measured runs execute the JIT's final code."));
        s.AppendLine("- Memory: 100 clients per replica connect and leave first, and the replicas' JIT is let settle (no method compiled for a second: first-use costs, tier-ups included, out of the baseline); then a full blocking GC is induced in each replica through the runtime's diagnostics socket (an EventPipe session enabling the runtime provider's GCHeapCollect keyword, as dotnet-gcdump does), and RSS (/proc VmRSS) and `dotnet_gc_heap_bytes` from `/metrics` are read; the same after the clients have connected and the presence frames their joins cause have been delivered.");
        s.AppendLine("- Capacity: on fresh replicas, every client connects to the first replica (the others hold none); once they are all welcomed its memory is measured as above, then one push goes to each room (10 in flight) and every client must receive its room's push exactly once (the last row of the run table).");
        s.AppendLine("- The machine's cores are shared by the replicas, nats-server, redis-server and the bench's own clients (their CPU is in the tables); other work on the machine shows as the load average above.");
        foreach (var note in r.Notes) s.AppendLine($"- {note}");
        s.AppendLine();
    }

    static void Row(StringBuilder s, string metric, string measured, string goal, bool? met) =>
        s.AppendLine($"| {metric} | {measured} | {goal} | {(met is null ? "" : met.Value ? "yes" : "**no**")} |");

    static double Share(ProcSample c) => c.CpuSeconds > 0 ? c.SystemSeconds / c.CpuSeconds : 0;

    static double Median(IEnumerable<RunResult> runs, Func<RunResult, double> f) => Stats.Median(runs.Select(f));

    static string Inv(FormattableString f) => f.ToString(CultureInfo.InvariantCulture);
}
