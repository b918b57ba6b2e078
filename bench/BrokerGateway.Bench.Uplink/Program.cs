// Uplink benchmark: client messages to workers and client RPC through gateway replicas, each beside the
// same exchange over NATS alone (the limit), in one run on loopback. It starts its own nats-server,
// redis-server and replicas, stops by itself within --max-seconds, and kills everything it started when it
// ends, fails, is interrupted (SIGINT/SIGTERM) or passes its deadline.
//   dotnet run -c Release -- --results bench/results/uplink.md [--clients 200] [--window 16] [--seconds 4] [--rounds 3]
using System.Diagnostics;
using System.Runtime.InteropServices;
using BrokerGateway.Bench.Uplink;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var clock = Stopwatch.StartNew();
void Log(string line) => Console.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1}s] {line}");

var report = new BenchReport
{
    Options = options,
    Started = DateTimeOffset.UtcNow,
    Environment = EnvironmentInfo.Collect(),
    LoadBefore = EnvironmentInfo.LoadAverage(),
};
var deadline = TimeSpan.FromSeconds(options.MaxSeconds);
using var stop = new CancellationTokenSource(deadline);
var run = new UplinkRun(options, report, Log);

void Interrupt(PosixSignalContext context)
{
    context.Cancel = true; // the finally blocks kill the children
    Log($"{context.Signal}: stopping");
    stop.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Interrupt);
AppDomain.CurrentDomain.ProcessExit += (_, _) => run.KillNow();
// If stopping itself hangs, kill the children and leave.
stop.Token.Register(() => _ = Task.Delay(TimeSpan.FromSeconds(25)).ContinueWith(_ =>
{
    Console.Error.WriteLine("stopping took too long: killing what the bench started");
    run.KillNow();
    Environment.Exit(3);
}, TaskScheduler.Default));

try
{
    await run.RunAsync(stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine($"stopped before the end (deadline of {deadline.TotalSeconds:0} s, or a signal); no results written");
    return 1;
}
catch (Exception e)
{
    run.KillNow();
    Console.Error.WriteLine($"the benchmark failed: {e}");
    return 1;
}
report.Duration = clock.Elapsed;
report.LoadAfter = EnvironmentInfo.LoadAverage();

var directory = Path.GetDirectoryName(Path.GetFullPath(options.ResultsPath));
if (directory is not null) Directory.CreateDirectory(directory);
var markdown = ResultsWriter.Render(report);
await File.WriteAllTextAsync(options.ResultsPath, markdown);
Console.WriteLine(markdown);
Log($"results written to {options.ResultsPath}");
var failed = !report.GatewayDelivery.ExactlyOnceInOrder || !report.LimitDelivery.ExactlyOnceInOrder
    || report.Rpcs.Any(r => r.Errors > 0) || report.ClientFailures.Count > 0;
return failed ? 1 : 0;
