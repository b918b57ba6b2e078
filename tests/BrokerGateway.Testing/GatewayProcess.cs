using System.Diagnostics;
using System.Globalization;

namespace BrokerGateway.Testing;

/// <summary>
/// One gateway replica as a child process (<c>dotnet BrokerGateway.Server.dll</c>), configured by its
/// <c>BGW_*</c> variables as an operator would, on free loopback ports, its output in a log file (or
/// dropped). Started once <c>/readyz</c> answers; killed with the whole process tree.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    readonly Process _process;
    readonly StreamWriter? _log;

    GatewayProcess(Process process, StreamWriter? log, int publicPort, int internalPort, string? logPath)
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
    public string? LogPath { get; }
    public bool HasExited => _process.HasExited;

    /// <param name="serverDll">The replica to run.</param>
    /// <param name="environment">Its settings (<c>BGW_NATS_URL</c>, <c>BGW_JWT_SECRET</c>…); the ports and the bind address are chosen here.</param>
    /// <param name="logPath">Where its output goes; null to drop it.</param>
    /// <param name="unset">Variables of this process the replica must not inherit.</param>
    public static async Task<GatewayProcess> StartAsync(string serverDll, IReadOnlyDictionary<string, string> environment, string? logPath,
        TimeSpan readyTimeout, CancellationToken ct, params string[] unset)
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
        foreach (var name in unset) info.Environment.Remove(name);
        info.Environment["BGW_PUBLIC_PORT"] = publicPort.ToString(CultureInfo.InvariantCulture);
        info.Environment["BGW_GRPC_PORT"] = FreePort.Next().ToString(CultureInfo.InvariantCulture);
        info.Environment["BGW_INTERNAL_PORT"] = internalPort.ToString(CultureInfo.InvariantCulture);
        info.Environment["BGW_BIND"] = "127.0.0.1";
        foreach (var (k, v) in environment) info.Environment[k] = v;

        var log = logPath is null ? null : new StreamWriter(logPath) { AutoFlush = true };
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet");
        }
        catch
        {
            log?.Dispose();
            throw;
        }
        void Write(string? line)
        {
            if (line is null || log is null) return;
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

        var replica = new GatewayProcess(process, log, publicPort, internalPort, logPath);
        try
        {
            await replica.WaitReadyAsync(readyTimeout, ct);
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
            if (_process.HasExited) throw new InvalidOperationException($"replica exited with {_process.ExitCode}{SeeLog}");
            try
            {
                using var response = await Http.GetAsync($"http://127.0.0.1:{PublicPort}/readyz", ct);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            if (Stopwatch.GetTimestamp() > deadline) throw new TimeoutException($"replica on {PublicPort} not ready within {timeout.TotalSeconds:0} s{SeeLog}");
            await Task.Delay(100, ct);
        }
    }

    string SeeLog => LogPath is null ? "" : $"; see {LogPath}";

    /// <summary>This replica's <c>/metrics</c> as name → value (labels dropped).</summary>
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

    /// <summary>Kills at once, from a signal handler or a watchdog: no waiting.</summary>
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
        if (_log is not null) lock (_log) _log.Dispose();
        _process.Dispose();
    }
}
