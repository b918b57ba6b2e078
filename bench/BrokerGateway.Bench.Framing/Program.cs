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
var stacks = new[] { "Builtin", "Framed" };
var scenarios = new (string Name, int Burst, int Bursts)[] { ("1 push at a time", 1, 150), ("bursts of 16 pushes", 16, 20) };
const int PayloadBytes = 64;
const string Room = "bench";

var cpu = new Dictionary<(string Stack, string Scenario), List<double>>();
var heap = new Dictionary<string, List<double>>();
var rss = new Dictionary<string, List<double>>();
var idleCpu = new Dictionary<string, List<double>>();
var sys = new Dictionary<(string Stack, string Scenario), (double PerDelivery, long Calls, string Detail)>();
var started = DateTime.UtcNow;
var load0 = File.ReadAllText("/proc/loadavg").Split(' ')[0];

for (var round = 0; round < rounds; round++)
{
    foreach (var stack in round % 2 == 0 ? stacks : stacks.Reverse().ToArray())
    {
        Console.WriteLine($"round {round + 1}: {stack}");
        await using var server = await ServerProcess.StartAsync(stack, FreePort(), 25_000);
        await using (await Clients.ConnectAsync(server.Port, 20, Room)) { } // warm up the accept path
        var before = await server.AskAsync("mem");
        await using var clients = await Clients.ConnectAsync(server.Port, clientCount, Room);
        var after = await server.AskAsync("mem");
        Add(heap, stack, (double.Parse(after[1]) - double.Parse(before[1])) / clientCount);
        Add(rss, stack, (double.Parse(after[2]) - double.Parse(before[2])) / clientCount);

        foreach (var (name, burst, bursts) in scenarios)
        {
            await RunBurstsAsync(server, clients, burst, 2); // warm-up
            var cpu0 = await server.CpuMsAsync();
            var deliveries = await RunBurstsAsync(server, clients, burst, bursts);
            var cpu1 = await server.CpuMsAsync();
            Add(cpu, (stack, name), (cpu1 - cpu0) * 1000.0 / deliveries);
            Console.WriteLine($"  {name}: {(cpu1 - cpu0) * 1000.0 / deliveries:F2} µs CPU per delivery");
        }
    }
}

// Idle keepalive: every socket pinged each second, for 10 s.
foreach (var stack in stacks)
{
    for (var round = 0; round < rounds; round++)
    {
        await using var server = await ServerProcess.StartAsync(stack, FreePort(), 1000);
        await using var clients = await Clients.ConnectAsync(server.Port, clientCount, Room);
        var cpu0 = await server.CpuMsAsync();
        var watch = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(10));
        var cpu1 = await server.CpuMsAsync();
        Add(idleCpu, stack, (cpu1 - cpu0) / watch.Elapsed.TotalSeconds);
        Console.WriteLine($"idle {stack}: {(cpu1 - cpu0) / watch.Elapsed.TotalSeconds:F1} ms CPU per s");
    }
}

// Syscalls: strace attached to the server for the measured phase only (ptrace slows it; CPU is measured above).
var strace = new[] { "/usr/bin/strace", "/bin/strace" }.FirstOrDefault(File.Exists);
if (strace is not null)
{
    foreach (var stack in stacks)
    {
        await using var server = await ServerProcess.StartAsync(stack, FreePort(), 25_000);
        await using var clients = await Clients.ConnectAsync(server.Port, clientCount, Room);
        foreach (var (name, burst, bursts) in scenarios)
        {
            await RunBurstsAsync(server, clients, burst, 2);
            var output = Path.GetTempFileName();
            using var tracer = Process.Start(new ProcessStartInfo(strace, ["-c", "-f", "-e", "trace=write,writev,sendmsg,sendto", "-o", output, "-p", server.Pid.ToString()])
            {
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            await WaitForAttachAsync(tracer);
            var deliveries = await RunBurstsAsync(server, clients, burst, bursts);
            Process.Start("kill", ["-INT", tracer.Id.ToString()])!.WaitForExit();
            await tracer.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            var (calls, detail) = ParseStrace(File.ReadAllText(output));
            File.Delete(output);
            sys[(stack, name)] = ((double)calls / deliveries, calls, detail);
            Console.WriteLine($"strace {stack} {name}: {calls} calls for {deliveries} deliveries ({detail})");
        }
    }
}

var report = new StringBuilder();
report.AppendLine("# WebSocket stacks: Builtin (ASP.NET Core) beside Framed (our RFC 6455 framing)");
report.AppendLine();
report.AppendLine("`dotnet run --project bench/BrokerGateway.Bench.Framing -c Release -- --results bench/results/framing.md`.");
report.AppendLine($"One embedded replica (in-memory broker and presence) in a child process; {clientCount:N0} `ClientWebSocket` guests in");
report.AppendLine($"the driver process, all in one room. `GatewayNode.PublishAsync` publishes {PayloadBytes}-byte pushes to the room in bursts");
report.AppendLine("(back to back), and the next burst starts when every client has received the last one. CPU is the server");
report.AppendLine("process's `TotalProcessorTime` over the measured bursts (after two warm-up bursts) divided by deliveries;");
report.AppendLine($"figures are medians of {rounds} rounds, the stack that goes first alternating per round. Syscalls: `strace -c -f`");
report.AppendLine("attached to the server for one run of the same bursts (write, writev, sendmsg, sendto).");
report.AppendLine();
report.AppendLine($"Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; client and server share the cores.");
report.AppendLine($"Run took {(DateTime.UtcNow - started).TotalSeconds:F0} s on {started:yyyy-MM-dd}; load average {load0} before and {File.ReadAllText("/proc/loadavg").Split(' ')[0]} after.");
report.AppendLine();
report.AppendLine("## Fan-out to one room");
report.AppendLine();
report.AppendLine("| scenario | stack | server CPU µs per delivery | send syscalls per delivery | per round (µs) |");
report.AppendLine("|---|---|---:|---:|---|");
foreach (var (name, _, _) in scenarios)
    foreach (var stack in stacks)
    {
        var s = sys.TryGetValue((stack, name), out var v) ? $"{v.PerDelivery:F3}" : "n/a";
        report.AppendLine($"| {name} | {stack} | {Median(cpu[(stack, name)]):F2} | {s} | {string.Join(", ", cpu[(stack, name)].Select(x => x.ToString("F2")))} |");
    }
report.AppendLine();
if (sys.Count > 0)
{
    report.AppendLine("strace counts (whole server process during the measured bursts):");
    report.AppendLine();
    foreach (var ((stack, name), v) in sys) report.AppendLine($"- {stack}, {name}: {v.Calls:N0} calls ({v.Detail})");
    report.AppendLine();
}
report.AppendLine("## Memory per idle socket");
report.AppendLine();
report.AppendLine($"{clientCount:N0} connected, welcomed, in one room, idle; server measured after forced full GCs, before and after");
report.AppendLine("they connected. This is the whole gateway's cost per connection (its connection record, queue, presence");
report.AppendLine("entry and Kestrel's connection), so the difference between the rows is the stack's.");
report.AppendLine();
report.AppendLine("| stack | managed heap bytes per socket | RSS bytes per socket | per round (heap) |");
report.AppendLine("|---|---:|---:|---|");
foreach (var stack in stacks)
    report.AppendLine($"| {stack} | {Median(heap[stack]):N0} | {Median(rss[stack]):N0} | {string.Join(", ", heap[stack].Select(x => x.ToString("N0")))} |");
report.AppendLine();
report.AppendLine("## Idle keepalive");
report.AppendLine();
report.AppendLine($"{clientCount:N0} idle sockets with a 1 s ping interval for 10 s (the built-in stack: a timer per socket; Framed: one");
report.AppendLine("sweeper for all). Server CPU per second of wall time.");
report.AppendLine();
report.AppendLine("| stack | server CPU ms per s | per round |");
report.AppendLine("|---|---:|---|");
foreach (var stack in stacks)
    report.AppendLine($"| {stack} | {Median(idleCpu[stack]):F1} | {string.Join(", ", idleCpu[stack].Select(x => x.ToString("F1")))} |");
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
        var done = await server.AskAsync($"publish {Room} {burst} {PayloadBytes}");
        if (done[0] != "done") throw new InvalidOperationException(string.Join(' ', done));
        await clients.WaitForAsync(per * i, TimeSpan.FromMinutes(1));
    }
    return per * bursts;
}

static async Task WaitForAttachAsync(Process tracer)
{
    // strace reports each attached thread on stderr; the first line means it is in.
    var line = await tracer.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
    if (line is null || !line.Contains("attached")) throw new InvalidOperationException($"strace: {line}");
    _ = tracer.StandardError.ReadToEndAsync();
    await Task.Delay(500); // the other threads' attach lines follow within moments
}

static (long Calls, string Detail) ParseStrace(string text)
{
    long total = 0;
    var parts = new List<string>();
    foreach (var line in text.Split('\n'))
    {
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length >= 5 && f[^1] is "write" or "writev" or "sendmsg" or "sendto" && long.TryParse(f[3], out var calls))
        {
            total += calls;
            parts.Add($"{f[^1]} {calls:N0}");
        }
    }
    return (total, string.Join(", ", parts));
}

static int FreePort()
{
    using var l = new TcpListener(IPAddress.Loopback, 0);
    l.Start();
    return ((IPEndPoint)l.LocalEndpoint).Port;
}

static double Median(List<double> values)
{
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
