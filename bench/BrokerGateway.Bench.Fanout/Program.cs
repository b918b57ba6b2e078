using System.Diagnostics;
using System.Runtime.InteropServices;
using BrokerGateway.Bench.Fanout;

// Fan-out benchmark (bench/README.md): pushes to rooms over three replicas. Bounded in time; kills every
// process it started when it ends, fails, is interrupted (SIGINT/SIGTERM) or passes its deadline.
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

// Read once, when the first socket is made: so before anything here opens one. Children do not inherit it (Replica).
if (options.ClientInlineCompletions) Environment.SetEnvironmentVariable(InlineCompletions.Variable, "1");

var clock = Stopwatch.StartNew();
void Log(string line) => Console.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1}s] {line}");

// Every client socket is a file descriptor of this process; each replica holds its share. Children inherit the limit.
var fileLimit = ProcStat.RaiseFileLimit();
var needed = (ulong)Math.Max(options.Clients, Math.Max(options.IdleClients, options.CapacityClients)) + 500;
if (fileLimit.Soft > 0 && fileLimit.Soft < needed)
{
    Console.Error.WriteLine($"the open-file limit is {fileLimit.Soft} (hard {fileLimit.Hard}); {needed} are needed for this many clients");
    return 2;
}

var report = new BenchReport
{
    Options = options,
    Started = DateTimeOffset.UtcNow,
    Environment = EnvironmentInfo.Collect(options, fileLimit),
};
using var stop = new CancellationTokenSource(options.Deadline);
var bench = new FanoutBench(options, report, Log);

void Interrupt(PosixSignalContext context)
{
    context.Cancel = true; // let the finally blocks kill the children
    Log($"{context.Signal}: stopping");
    stop.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
// If cleaning up itself hangs, the watchdog kills the children and leaves.
using var watchdog = new Timer(_ =>
{
    Console.Error.WriteLine("deadline passed and the bench did not stop: killing what it started");
    bench.KillNow();
    Environment.Exit(3);
}, null, options.Deadline + TimeSpan.FromSeconds(30), Timeout.InfiniteTimeSpan);
stop.Token.Register(() => Task.Delay(TimeSpan.FromSeconds(20)).ContinueWith(_ =>
{
    Console.Error.WriteLine("stopping took too long: killing what the bench started");
    bench.KillNow();
    Environment.Exit(3);
}, TaskScheduler.Default));

var exitCode = 0;
try
{
    await bench.RunAsync(stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("stopped before the end (deadline or signal); no results written");
    return 1;
}
catch (Exception e)
{
    bench.KillNow();
    Console.Error.WriteLine($"the benchmark failed: {e}");
    return 1;
}
report.Duration = clock.Elapsed;

report.Environment["load average (1 min) at end"] = ProcStat.LoadAverage();
if (report.AllRuns.Any(r => r.Lost != 0 || r.Duplicates != 0 || r.Misrouted != 0)) exitCode = 1;
var directory = Path.GetDirectoryName(Path.GetFullPath(options.Results));
if (directory is not null) Directory.CreateDirectory(directory);
await File.WriteAllTextAsync(options.Results, ResultsWriter.Render(report));
Log($"results written to {options.Results}");
return exitCode;
