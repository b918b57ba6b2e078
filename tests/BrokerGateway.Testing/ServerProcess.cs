using System.Diagnostics;
using System.Net.Sockets;

namespace BrokerGateway.Testing;

/// <summary>
/// A real nats-server or redis-server child process on a loopback port. It can be killed and started
/// again on the same port, which is how tests simulate a server restart or crash.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    readonly string _binary;
    readonly Func<int, string[]> _args;
    Process? _process;

    ServerProcess(string binary, int port, Func<int, string[]> args)
    {
        _binary = binary;
        Port = port;
        _args = args;
    }

    public int Port { get; }
    public string Host => "127.0.0.1";
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts <c>nats-server</c>; <paramref name="extraArgs"/> go on its command line as they are.</summary>
    public static Task<ServerProcess> StartNatsAsync(int? port = null, params string[] extraArgs) =>
        StartAsync(new ServerProcess(Servers.NatsServerBinary, port ?? FreePort.Next(),
            p => ["-a", "127.0.0.1", "-p", p.ToString(), .. extraArgs]));

    /// <summary>Starts <c>redis-server</c> with no persistence, so a restart comes back empty.</summary>
    public static Task<ServerProcess> StartRedisAsync(int? port = null, params string[] extraArgs) =>
        StartAsync(new ServerProcess(Servers.RedisServerBinary, port ?? FreePort.Next(),
            p => ["--port", p.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                  "--protected-mode", "no", .. extraArgs]));

    public string NatsUrl => $"nats://{Host}:{Port}";
    public string RedisEndpoint => $"{Host}:{Port}";

    static async Task<ServerProcess> StartAsync(ServerProcess server)
    {
        await server.StartAsync();
        return server;
    }

    /// <summary>Starts the process (again) and waits until its port accepts connections.</summary>
    public async Task StartAsync(TimeSpan? timeout = null)
    {
        if (IsRunning) return;
        var info = new ProcessStartInfo(_binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in _args(Port)) info.ArgumentList.Add(arg);
        _process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {_binary}");
        // Drain the output so the child never blocks on a full pipe.
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilAcceptingAsync(timeout ?? TimeSpan.FromSeconds(15));
    }

    /// <summary>Kills the process at once (SIGKILL): no goodbye to its clients.</summary>
    public async Task KillAsync()
    {
        if (_process is null) return;
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
        _process = null;
    }

    /// <summary>Sends a signal by name (e.g. "USR2" for NATS lame-duck mode, "TERM").</summary>
    public void Signal(string name)
    {
        if (_process is null) throw new InvalidOperationException("not running");
        using var kill = Process.Start("kill", ["-" + name, _process.Id.ToString()]);
        kill.WaitForExit();
    }

    async Task WaitUntilAcceptingAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process is { HasExited: true } p)
                throw new InvalidOperationException($"{Path.GetFileName(_binary)} exited with {p.ExitCode} on port {Port}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(Host, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    public ValueTask DisposeAsync() => new(KillAsync());
}
