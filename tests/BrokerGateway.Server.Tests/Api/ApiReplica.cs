using System.Diagnostics;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Server.Tests.Api;

/// <summary>
/// One replica in the test process, like <see cref="TestGateway"/>, but started so that a port taken
/// between choosing it and binding it (an outgoing socket may grab a just-freed port) costs a retry on
/// fresh ports instead of a failed test; the half-started host is disposed, so it leaves no lease behind.
/// </summary>
public sealed class ApiReplica : IAsyncDisposable
{
    readonly WebApplication _app;

    ApiReplica(WebApplication app, ServerSettings settings)
    {
        _app = app;
        Settings = settings;
        Node = app.Services.GetRequiredService<GatewayNode>();
    }

    public ServerSettings Settings { get; }
    public GatewayNode Node { get; }
    public int PublicPort => Settings.PublicPort;
    public int GrpcPort => Settings.GrpcPort;

    /// <param name="settings">Called once per attempt: each must choose fresh ports (TestGateway.DefaultSettings does).</param>
    public static async Task<ApiReplica> StartAsync(Func<ServerSettings> settings)
    {
        for (var attempt = 1; ; attempt++)
        {
            var chosen = settings();
            var app = await GatewayHost.CreateAsync(chosen, configure: b => b.Logging.SetMinimumLevel(LogLevel.Warning));
            try
            {
                await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
                return new ApiReplica(app, chosen);
            }
            catch (IOException e) when (e.InnerException is AddressInUseException && attempt < 5)
            {
                await app.DisposeAsync();
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Stops gracefully (drain: reconnect frames, close 4001, presence removed).</summary>
    public Task StopAsync() => _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        try { await StopAsync(); } catch (Exception) { }
        await _app.DisposeAsync();
    }

    /// <summary>
    /// A replica as its own process of the server executable, so a test can kill it (SIGKILL: no drain, no
    /// cleanup, as when a machine dies). Lease 3 s, like the in-process replicas.
    /// </summary>
    public static Process StartProcess(string natsUrl, string redis, string prefix)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "BrokerGateway.Server"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.Environment["BGW_PUBLIC_PORT"] = FreePort.Next().ToString();
        info.Environment["BGW_GRPC_PORT"] = FreePort.Next().ToString();
        info.Environment["BGW_INTERNAL_PORT"] = FreePort.Next().ToString();
        info.Environment["BGW_BIND"] = "127.0.0.1";
        info.Environment["BGW_NATS_URL"] = natsUrl;
        info.Environment["BGW_REDIS"] = redis;
        info.Environment["BGW_SUBJECT_PREFIX"] = prefix;
        info.Environment["BGW_JWT_SECRET"] = Tokens.Secret;
        info.Environment["BGW_LEASE_TTL_MS"] = "3000";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
