using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BrokerGateway.Bench.Framing;
using BrokerGateway.Server.Transport;

// Builtin vs Framed WebSocket stacks, side by side: server CPU per delivery, send syscalls per delivery,
// memory per idle socket, idle keepalive CPU. The server is a child process so its CPU and syscalls are
// its own; clients are ClientWebSockets in this process.
//   dotnet run -c Release -- [--results bench/results/framing.md] [--clients 2000] [--rounds 3]
if (args is ["server", var stackName, var portText, var pingText])
{
    await ServerRole.RunAsync(Enum.Parse<WebSocketStack>(stackName), int.Parse(portText), int.Parse(pingText));
    return;
}

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var results = Option("--results", "bench/results/framing.md");
var clientCount = int.Parse(Option("--clients", "2000"));
var rounds = int.Parse(Option("--rounds", "3"));
var phases = Option("--phases", "cpu,idle").Split(',');
ServerProcess.SendCountLibrary = BuildSendCount();
var stacks = new[] { "Builtin", "Framed" };
var scenarios = new (string Name, int Burst, int Bursts)[] { ("1 push at a time", 1, 150), ("bursts of 16 pushes", 16, 20) };
const int PayloadBytes = 64;
const string Topic = "bench";

var cpu = new Dictionary<(string Stack, string Scenario), List<double>>();
var heap = new Dictionary<string, List<double>>();
var rss = new Dictionary<string, List<double>>();
var idleCpu = new Dictionary<string, List<double>>();
var sends = new Dictionary<(string Stack, string Scenario), List<double>>();
var writes = new Dictionary<(string Stack, string Scenario), List<double>>();
var started = DateTime.UtcNow;
var load0 = File.ReadAllText("/proc/loadavg").Split(' ')[0];

for (var round = 0; round < (phases.Contains("cpu") ? rounds : 0); round++)
{
    foreach (var stack in round % 2 == 0 ? stacks : stacks.Reverse().ToArray())
    {
        Console.WriteLine($"round {round + 1}: {stack}");
        await using var server = await ServerProcess.StartAsync(stack, FreePort(), 25_000);
        await using (await Clients.ConnectAsync(server.Port, 20, Topic)) { } // warm up the accept path
        var before = await server.AskAsync("mem");
        await using var clients = await Clients.ConnectAsync(server.Port, clientCount, Topic);
        var after = await server.AskAsync("mem");
        Add(heap, stack, (double.Parse(after[1]) - double.Parse(before[1])) / clientCount);
        Add(rss, stack, (double.Parse(after[2]) - double.Parse(before[2])) / clientCount);

        foreach (var (name, burst, bursts) in scenarios)
        {
            await RunBurstsAsync(server, clients, burst, 2); // warm-up
            var sys0 = await server.SendCallsAsync();
            var cpu0 = await server.CpuMsAsync();
            var deliveries = await RunBurstsAsync(server, clients, burst, bursts);
            var cpu1 = await server.CpuMsAsync();
            var sys1 = await server.SendCallsAsync();
            Add(cpu, (stack, name), (cpu1 - cpu0) * 1000.0 / deliveries);
            var line = $"  {name}: {(cpu1 - cpu0) * 1000.0 / deliveries:F2} µs CPU per delivery";
            if (sys0 is not null && sys1 is not null)
            {
                // Socket sends: send, sendto, sendmsg and writev; write is the console and the runtime's own.
                var socketSends = sys1[0] + sys1[1] + sys1[2] + sys1[4] - (sys0[0] + sys0[1] + sys0[2] + sys0[4]);
                Add(sends, (stack, name), (double)socketSends / deliveries);
                Add(writes, (stack, name), (double)(sys1[3] - sys0[3]) / deliveries);
                line += $", {(double)socketSends / deliveries:F3} send calls per delivery";
            }
            Console.WriteLine(line);
        }
    }
}

// Idle keepalive: every socket pinged each second, for 10 s.
foreach (var stack in phases.Contains("idle") ? stacks : [])
{
    for (var round = 0; round < rounds; round++)
    {
        await using var server = await ServerProcess.StartAsync(stack, FreePort(), 1000);
        await using var clients = await Clients.ConnectAsync(server.Port, clientCount, Topic);
        var cpu0 = await server.CpuMsAsync();
        var watch = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(10));
        var cpu1 = await server.CpuMsAsync();
        Add(idleCpu, stack, (cpu1 - cpu0) / watch.Elapsed.TotalSeconds);
        Console.WriteLine($"idle {stack}: {(cpu1 - cpu0) / watch.Elapsed.TotalSeconds:F1} ms CPU per s");
    }
}

var report = new StringBuilder();
report.AppendLine("# WebSocket stacks: Builtin (ASP.NET Core) beside Framed (our RFC 6455 framing)");
report.AppendLine();
report.AppendLine("`dotnet run --project bench/BrokerGateway.Bench.Framing -c Release -- --results bench/results/framing.md`.");
report.AppendLine($"One embedded replica (in-memory broker and presence) in a child process; {clientCount:N0} `ClientWebSocket` guests in");
report.AppendLine($"the driver process, all subscribed to one topic (no presence traffic). `GatewayNode.PublishAsync` publishes {PayloadBytes}-byte pushes to the topic in bursts");
report.AppendLine("(back to back), and the next burst starts when every client has received the last one. CPU is the server");
report.AppendLine("process's `TotalProcessorTime` over the measured bursts (after two warm-up bursts) divided by deliveries;");
report.AppendLine($"figures are medians of {rounds} rounds, the stack that goes first alternating per round. Send calls: the server");
report.AppendLine("runs with `sendcount.c` preloaded (LD_PRELOAD), which counts its calls to libc's send, sendto, sendmsg, write and");
report.AppendLine("writev; the bench reads the counters before and after the measured bursts, in the same runs as the CPU figures");
report.AppendLine("(a counter costs an atomic increment per call, where strace would stop the process on every call).");
report.AppendLine();
report.AppendLine($"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; client and server share the cores.");
report.AppendLine($"Run took {(DateTime.UtcNow - started).TotalSeconds:F0} s on {started:yyyy-MM-dd}; load average {load0} before and {File.ReadAllText("/proc/loadavg").Split(' ')[0]} after.");
report.AppendLine();
report.AppendLine("## Fan-out to one topic");
report.AppendLine();
report.AppendLine("| scenario | stack | server CPU µs per delivery | send syscalls per delivery | per round (µs) |");
report.AppendLine("|---|---|---:|---:|---|");
foreach (var (name, _, _) in scenarios)
    foreach (var stack in stacks)
    {
        var s = sends.TryGetValue((stack, name), out var v) ? $"{Median(v):F3}" : "n/a";
        var c = cpu.GetValueOrDefault((stack, name)) ?? [];
        report.AppendLine($"| {name} | {stack} | {Median(c):F2} | {s} | {string.Join(", ", c.Select(x => x.ToString("F2")))} |");
    }
report.AppendLine();
if (sends.Count > 0)
{
    report.AppendLine("Send calls per delivery, per round (send + sendto + sendmsg + writev; `write` per delivery in brackets):");
    report.AppendLine();
    foreach (var ((stack, name), v) in sends)
        report.AppendLine($"- {stack}, {name}: {string.Join(", ", v.Select((x, i) => $"{x:F3} ({writes[(stack, name)][i]:F4})"))}");
    report.AppendLine();
}
report.AppendLine("## Memory per idle socket");
report.AppendLine();
report.AppendLine($"{clientCount:N0} connected, welcomed, subscribed to one topic, idle; server measured after forced full GCs, before and after");
report.AppendLine("they connected. This is the whole gateway's cost per connection (its connection record, queue, presence");
report.AppendLine("entry, its subscriptions, and the socket's transport: Kestrel's connection and upgraded request for Builtin,");
report.AppendLine("the bare socket taken at the connection for Framed), so the difference between the rows is the stack's.");
report.AppendLine();
report.AppendLine("| stack | managed heap bytes per socket | RSS bytes per socket | per round (heap) |");
report.AppendLine("|---|---:|---:|---|");
foreach (var stack in stacks)
    report.AppendLine($"| {stack} | {Median(heap.GetValueOrDefault(stack) ?? []):N0} | {Median(rss.GetValueOrDefault(stack) ?? []):N0} | {string.Join(", ", (heap.GetValueOrDefault(stack) ?? []).Select(x => x.ToString("N0")))} |");
report.AppendLine();
report.AppendLine("## Idle keepalive");
report.AppendLine();
report.AppendLine($"{clientCount:N0} idle sockets with a 1 s ping interval for 10 s (the built-in stack: a timer per socket; Framed: one");
report.AppendLine("sweeper for all). Server CPU per second of wall time.");
report.AppendLine();
report.AppendLine("| stack | server CPU ms per s | per round |");
report.AppendLine("|---|---:|---|");
foreach (var stack in stacks)
    report.AppendLine($"| {stack} | {Median(idleCpu.GetValueOrDefault(stack) ?? []):F1} | {string.Join(", ", (idleCpu.GetValueOrDefault(stack) ?? []).Select(x => x.ToString("F1")))} |");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(results))!);
File.WriteAllText(results, report.ToString());
Console.WriteLine(report);
return;

async Task<long> RunBurstsAsync(ServerProcess server, Clients clients, int burst, int bursts)
{
    clients.Reset();
    var per = (long)burst * clientCount;
    for (var i = 1; i <= bursts; i++)
    {
        var done = await server.AskAsync($"publish {Topic} {burst} {PayloadBytes}");
        if (done[0] != "done") throw new InvalidOperationException(string.Join(' ', done));
        await clients.WaitForAsync(per * i, TimeSpan.FromMinutes(1));
    }
    return per * bursts;
}

static string? BuildSendCount()
{
    var source = Path.Combine(AppContext.BaseDirectory, "sendcount.c");
    var cc = new[] { "/usr/bin/cc", "/usr/bin/gcc" }.FirstOrDefault(File.Exists);
    if (cc is null || !File.Exists(source)) return null;
    var library = Path.Combine(Path.GetTempPath(), $"bgw-sendcount-{Environment.ProcessId}.so");
    using var build = Process.Start(cc, ["-O2", "-shared", "-fPIC", "-o", library, source, "-ldl"])!;
    build.WaitForExit();
    return build.ExitCode == 0 ? library : null;
}

static int FreePort()
{
    using var l = new TcpListener(IPAddress.Loopback, 0);
    l.Start();
    return ((IPEndPoint)l.LocalEndpoint).Port;
}

static double Median(List<double> values)
{
    if (values.Count == 0) return double.NaN;
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static void Add<TKey>(Dictionary<TKey, List<double>> d, TKey key, double value) where TKey : notnull
{
    if (!d.TryGetValue(key, out var list)) d[key] = list = [];
    list.Add(value);
}

string Option(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
