using System.Net.Sockets;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Server.Tests.Infrastructure;

/// <summary>One gateway replica in the test process: real Kestrel on free loopback ports.</summary>
public sealed class TestGateway : IAsyncDisposable
{
    readonly WebApplication _app;

    TestGateway(WebApplication app, ServerSettings settings, LogEvents logs)
    {
        _app = app;
        Settings = settings;
        Logs = logs;
        Node = app.Services.GetRequiredService<GatewayNode>();
    }

    public ServerSettings Settings { get; }
    public GatewayNode Node { get; }
    public LogEvents Logs { get; }
    public int PublicPort => Settings.PublicPort;
    public int GrpcPort => Settings.GrpcPort;
    public int InternalPort => Settings.InternalPort;

    /// <summary>Settings for a test replica: loopback, free ports, the test JWT secret, guests allowed.</summary>
    public static ServerSettings DefaultSettings(string? natsUrl = null, string? redis = null, string? subjectPrefix = null) => new()
    {
        PublicPort = FreePort.Next(),
        GrpcPort = FreePort.Next(),
        InternalPort = FreePort.Next(),
        BindAddress = "127.0.0.1",
        NatsUrl = natsUrl,
        Redis = redis,
        DrainSpread = TimeSpan.FromMilliseconds(200),
        Auth = new() { Secret = Tokens.Secret, AuthFrameTimeout = TimeSpan.FromSeconds(1) },
        Limits = new() { RpcTimeout = TimeSpan.FromSeconds(1) },
        Gateway = new GatewayOptions
        {
            SubjectPrefix = subjectPrefix ?? Unique.Name("bgw"),
            LeaseTtl = TimeSpan.FromSeconds(3),
            DefaultPolicy = new NamespacePolicy { AllowGuests = true, ClientPublish = true },
            Namespaces = new Dictionary<string, NamespacePolicy> { ["closed"] = new() { AllowGuests = false, ClientJoin = false } },
        },
    };

    public static async Task<TestGateway> StartAsync(ServerSettings? settings = null)
    {
        settings ??= DefaultSettings();
        var logs = new LogEvents();
        var app = await GatewayHost.CreateAsync(settings, configure: b => Log(b, logs));
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return new TestGateway(app, settings, logs);
    }

    static void Log(WebApplicationBuilder builder, LogEvents logs)
    {
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddProvider(logs);
    }

    /// <summary>
    /// Starts a replica so that a port taken between choosing it and binding it costs a retry on fresh ports
    /// instead of a failed test; a replica whose port is taken stops before it connects or takes a lease.
    /// </summary>
    /// <param name="settings">Called once per attempt: each must choose fresh ports (<see cref="DefaultSettings"/> does).</param>
    public static async Task<TestGateway> StartAsync(Func<ServerSettings> settings)
    {
        for (var attempt = 1; ; attempt++)
        {
            var chosen = settings();
            var logs = new LogEvents();
            WebApplication app;
            try
            {
                app = await GatewayHost.CreateAsync(chosen, configure: b => Log(b, logs));
            }
            catch (StartupException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } && attempt < 5)
            {
                continue;
            }
            try
            {
                await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
                return new TestGateway(app, chosen, logs);
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>
    /// A replica as its own process of the server, ready, so a test can kill it (SIGKILL: no drain, no
    /// cleanup, as when a machine dies). Lease 3 s, like the in-process replicas.
    /// </summary>
    public static Task<GatewayProcess> StartProcessAsync(string natsUrl, string redis, string prefix) =>
        GatewayProcess.StartAsync(Path.Combine(AppContext.BaseDirectory, "BrokerGateway.Server.dll"), new Dictionary<string, string>
        {
            ["BGW_NATS_URL"] = natsUrl,
            ["BGW_REDIS"] = redis,
            ["BGW_SUBJECT_PREFIX"] = prefix,
            ["BGW_JWT_SECRET"] = Tokens.Secret,
            ["BGW_LEASE_TTL_MS"] = "3000",
        }, logPath: null, TimeSpan.FromSeconds(30), CancellationToken.None);

    /// <summary>Begins the stop as SIGTERM does: ApplicationStopping is raised before the host stops its services.</summary>
    public void SignalStop() => _app.Lifetime.StopApplication();

    /// <summary>Stops gracefully (drain: reconnect frames, close 4001, presence removed).</summary>
    public async Task StopAsync() => await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        try { await StopAsync(); } catch (Exception) { }
        await _app.DisposeAsync();
    }
}
