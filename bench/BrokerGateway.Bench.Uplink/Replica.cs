using System.Diagnostics;
using System.Globalization;
using BrokerGateway.Testing;

namespace BrokerGateway.Bench.Uplink;

/// <summary>
/// One gateway replica as a child process (<c>dotnet BrokerGateway.Server.dll</c>), configured by its
/// <c>BGW_*</c> variables as an operator would, on free loopback ports. Its output goes to a log file.
/// </summary>
public sealed class Replica : IAsyncDisposable
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    readonly Process _process;
    readonly StreamWriter _log;

    Replica(int index, Process process, StreamWriter log, int publicPort, string logPath)
    {
        Index = index;
        _process = process;
        _log = log;
        PublicPort = publicPort;
        LogPath = logPath;
    }

    public int Index { get; }
    public int Pid => _process.Id;
    public int PublicPort { get; }
    public string LogPath { get; }
    public bool HasExited => _process.HasExited;

    public Uri WebSocketUri(string token) => new($"ws://127.0.0.1:{PublicPort}/v1/ws?token={token}");

    public static async Task<Replica> StartAsync(BenchOptions options, int index, string natsUrl, string redis, string secret,
        string logDir, CancellationToken ct)
    {
        var publicPort = FreePort.Next();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(options.ServerDll)!,
        };
        info.ArgumentList.Add(options.ServerDll);
        var environment = new Dictionary<string, string>
        {
            ["BGW_PUBLIC_PORT"] = publicPort.ToString(CultureInfo.InvariantCulture),
            ["BGW_GRPC_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["BGW_INTERNAL_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["BGW_BIND"] = "127.0.0.1",
            ["BGW_NATS_URL"] = natsUrl,
            ["BGW_REDIS"] = redis,
            ["BGW_JWT_SECRET"] = secret,
            ["BGW_SUBJECT_PREFIX"] = Cluster.SubjectPrefix,
            ["BGW_NODE_ID"] = $"uplink{index}",
            // The per-connection limit (100/s, burst 200) would close a bench client with 4003 at once;
            // this measures the path, not the limiter.
            ["BGW_MESSAGES_PER_SECOND"] = "1000000",
            // A line per connection would cost the replica more than the work measured.
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (k, v) in environment) info.Environment[k] = v;

        var logPath = Path.Combine(logDir, $"replica{index}.log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        }
        catch
        {
            log.Dispose();
            throw;
        }
        void Write(string? line)
        {
            if (line is null) return;
            lock (log)
            {
                try { log.WriteLine(line); }
                catch (ObjectDisposedException) { } // output after the replica was disposed
            }
        }
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var replica = new Replica(index, process, log, publicPort, logPath);
        try
        {
            await replica.WaitReadyAsync(TimeSpan.FromSeconds(40), ct);
        }
        catch
        {
            await replica.DisposeAsync();
            throw;
        }
        return replica;
    }

    async Task WaitReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"replica {Index} exited with {_process.ExitCode}; see {LogPath}");
            try
            {
                using var response = await Http.GetAsync($"http://127.0.0.1:{PublicPort}/readyz", ct);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"replica {Index} not ready within {timeout.TotalSeconds:0} s; see {LogPath}");
            await Task.Delay(100, ct);
        }
    }

    public double CpuSeconds() => ProcCpu.Seconds(Pid);

    /// <summary>Kills at once, from a signal handler or the watchdog: no waiting.</summary>
    public void KillNow()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { }
    }

    public async ValueTask DisposeAsync()
    {
        KillNow();
        try { await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)); }
        catch (TimeoutException) { }
        _process.Dispose();
        lock (_log) _log.Dispose();
    }
}
