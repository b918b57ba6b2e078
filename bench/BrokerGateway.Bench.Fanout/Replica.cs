using System.Diagnostics;
using System.Globalization;
using BrokerGateway.Testing;

namespace BrokerGateway.Bench.Fanout;

/// <summary>
/// One gateway replica as a child process (<c>dotnet BrokerGateway.Server.dll</c>, configured by its
/// <c>BGW_*</c> variables as an operator would), on free loopback ports. Its output goes to a log file.
/// </summary>
public sealed class Replica : IAsyncDisposable
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    readonly Process _process;
    readonly StreamWriter _log;

    Replica(Process process, StreamWriter log, int publicPort, int internalPort, string logPath)
    {
        _process = process;
        _log = log;
        PublicPort = publicPort;
        InternalPort = internalPort;
        LogPath = logPath;
    }

    public int Pid => _process.Id;
    public int PublicPort { get; }
    public int InternalPort { get; }
    public string LogPath { get; }
    public bool HasExited => _process.HasExited;

    public static async Task<Replica> StartAsync(string serverDll, int index, string natsUrl, string redis, string secret,
        IReadOnlyDictionary<string, string> extraEnvironment, string logDir, CancellationToken ct)
    {
        var publicPort = FreePort.Next();
        var internalPort = FreePort.Next();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(serverDll)!,
        };
        info.ArgumentList.Add(serverDll);
        var env = new Dictionary<string, string>
        {
            ["BGW_PUBLIC_PORT"] = publicPort.ToString(CultureInfo.InvariantCulture),
            ["BGW_GRPC_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["BGW_INTERNAL_PORT"] = internalPort.ToString(CultureInfo.InvariantCulture),
            ["BGW_BIND"] = "127.0.0.1",
            ["BGW_NATS_URL"] = natsUrl,
            ["BGW_REDIS"] = redis,
            ["BGW_JWT_SECRET"] = secret,
            ["BGW_SUBJECT_PREFIX"] = "bgw",
            ["BGW_ALLOW_GUESTS"] = "true",
            ["BGW_NODE_ID"] = $"bench{index}",
        };
        // The bench's own socket setting is not the replica's: it runs as configured, unless asked otherwise.
        info.Environment.Remove(InlineCompletions.Variable);
        foreach (var (k, v) in extraEnvironment) env[k] = v;
        foreach (var (k, v) in env) info.Environment[k] = v;

        var logPath = Path.Combine(logDir, $"replica{index}.log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        void Write(string? line)
        {
            if (line is null) return;
            lock (log)
            {
                try { log.WriteLine(line); }
                catch (ObjectDisposedException) { } // output after we stopped listening
            }
        }
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var replica = new Replica(process, log, publicPort, internalPort, logPath);
        await replica.WaitReadyAsync(TimeSpan.FromSeconds(30), ct);
        return replica;
    }

    async Task WaitReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"replica exited with {_process.ExitCode}; see {LogPath}");
            try
            {
                using var response = await Http.GetAsync($"http://127.0.0.1:{PublicPort}/readyz", ct);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"replica on {PublicPort} not ready in {timeout}; see {LogPath}");
            await Task.Delay(50, ct);
        }
    }

    /// <summary>This replica's <c>/metrics</c> as name → value (the <c>node</c> label dropped).</summary>
    public async Task<Dictionary<string, double>> MetricsAsync(CancellationToken ct)
    {
        var text = await Http.GetStringAsync($"http://127.0.0.1:{InternalPort}/metrics", ct);
        var values = new Dictionary<string, double>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.LastIndexOf(' ');
            var brace = line.IndexOf('{');
            var name = line[..(brace >= 0 && brace < space ? brace : space)];
            if (double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) values[name] = v;
        }
        return values;
    }

    public ProcSample Sample() => ProcStat.Read(Pid);

    /// <summary>Memory after a full GC: resident set and managed heap in use.</summary>
    public async Task<MemorySample> MeasureMemoryAsync(CancellationToken ct)
    {
        var uncollected = (long)(await MetricsAsync(ct)).GetValueOrDefault("dotnet_gc_heap_bytes");
        var (induced, error) = await InducedGc.CollectAsync(Pid, ct);
        var metrics = await MetricsAsync(ct);
        return new MemorySample(ProcStat.Read(Pid).RssBytes, (long)metrics.GetValueOrDefault("dotnet_gc_heap_bytes"),
            (int)metrics.GetValueOrDefault("bgw_connections"), induced, error, uncollected);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
        }
        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    /// <summary>Kills at once, from a signal handler or the watchdog: no waiting.</summary>
    public void KillNow()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { }
    }
}

/// <summary>
/// One replica's memory at one moment; <see cref="Induced"/> says whether a full GC ran just before.
/// <see cref="UncollectedHeapBytes"/> is the heap as reported just before that GC (live data and garbage).
/// </summary>
public readonly record struct MemorySample(long RssBytes, long HeapBytes, int Connections, bool Induced, string? GcError, long UncollectedHeapBytes);
