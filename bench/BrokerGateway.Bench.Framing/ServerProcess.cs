using System.Diagnostics;

namespace BrokerGateway.Bench.Framing;

/// <summary>The measured server as a child process, spoken to line by line.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    readonly Process _process;

    ServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Pid => _process.Id;

    /// <summary>sendcount.c built for this machine, or null when there is no C compiler.</summary>
    public static string? SendCountLibrary { get; set; }

    /// <summary>The server's send, sendto, sendmsg, write and writev calls so far (null when not counted).</summary>
    public async Task<long[]?> SendCallsAsync()
    {
        var counts = (await AskAsync("sys")).Skip(1).Select(long.Parse).ToArray();
        return counts[0] < 0 ? null : counts;
    }
    public int Port { get; }

    public static async Task<ServerProcess> StartAsync(string stack, int port, int pingMs, string[]? wrapper = null)
    {
        // A wrapper (strace and its options) runs the server as its command.
        var info = new ProcessStartInfo(wrapper is { Length: > 0 } ? wrapper[0] : Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in wrapper?.Skip(1) ?? []) info.ArgumentList.Add(arg);
        if (SendCountLibrary is { } lib)
        {
            info.Environment["LD_PRELOAD"] = lib;
            info.Environment["BGW_SENDCOUNT_LIB"] = lib;
        }
        if (wrapper is { Length: > 0 }) info.ArgumentList.Add(Environment.ProcessPath!);
        // Under `dotnet x.dll` the host needs the assembly; under the app host it is implied.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") info.ArgumentList.Add(typeof(ServerProcess).Assembly.Location);
        info.ArgumentList.Add("server");
        info.ArgumentList.Add(stack);
        info.ArgumentList.Add(port.ToString());
        info.ArgumentList.Add(pingMs.ToString());
        var server = new ServerProcess(Process.Start(info)!, port);
        await server.ExpectAsync("ready");
        return server;
    }

    public async Task<string[]> AskAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
        while (true)
        {
            var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2))
                ?? throw new InvalidOperationException("the server ended");
            if (line.StartsWith(ServerRole.Marker)) return line[ServerRole.Marker.Length..].Split(' ');
        }
    }

    async Task ExpectAsync(string word)
    {
        while (true)
        {
            var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1))
                ?? throw new InvalidOperationException("the server ended before it was ready");
            if (line == ServerRole.Marker + word) return;
        }
    }

    public async Task<double> CpuMsAsync() => double.Parse((await AskAsync("cpu"))[1]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _process.StandardInput.WriteLineAsync("quit");
            await _process.StandardInput.FlushAsync();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (Exception)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
