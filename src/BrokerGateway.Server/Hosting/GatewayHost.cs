using System.Net;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Server.Api;
using BrokerGateway.Server.Auth;
using BrokerGateway.Server.Engine;
using BrokerGateway.Server.Operations;
using BrokerGateway.Server.Protocol.Native;
using BrokerGateway.Server.Transport;
using BrokerGateway.Server.Transport.Framed;
using BrokerGateway.Server.Uplink;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace BrokerGateway.Server.Hosting;

/// <summary>
/// Builds one replica: Kestrel on three ports (public HTTP/1.1, gRPC h2c, internal HTTP/1.1), the
/// gateway node over its broker and presence store, and the endpoints of each port.
/// </summary>
public static class GatewayHost
{
    /// <summary>Connects the backends and builds the app; the caller runs or starts it.</summary>
    /// <exception cref="InvalidSettingsException">A setting is out of range, or settings contradict each other.</exception>
    /// <exception cref="StartupException">A port is in use, NATS did not answer, or another running replica holds the node id.</exception>
    public static async Task<WebApplication> CreateAsync(ServerSettings settings, string[]? args = null,
        Action<WebApplicationBuilder>? configure = null, CancellationToken ct = default)
    {
        settings.Validate();
        var sockets = ListenSockets.Bind(settings);
        try
        {
            return await BuildAsync(settings, sockets, args, configure, ct);
        }
        catch
        {
            sockets.Dispose();
            throw;
        }
    }

    static async Task<WebApplication> BuildAsync(ServerSettings settings, ListenSockets sockets, string[]? args,
        Action<WebApplicationBuilder>? configure, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        var bind = IPAddress.Parse(settings.BindAddress);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(bind, settings.PublicPort, o => o.Protocols = HttpProtocols.Http1);
            k.Listen(bind, settings.GrpcPort, o => o.Protocols = HttpProtocols.Http2);
            k.Listen(bind, settings.InternalPort, o => o.Protocols = HttpProtocols.Http1);
        });
        // Created by a factory, so the host disposes the sockets no listener took.
        builder.Services.AddSingleton(_ => sockets);
        builder.Services.AddOptions<SocketTransportOptions>().Configure<ListenSockets>((o, bound) => o.CreateBoundListenSocket = bound.Take);
        builder.Host.ConfigureHostOptions(o => o.ShutdownTimeout = settings.DrainNotice + settings.DrainSpread + TimeSpan.FromSeconds(10));

        var backends = await Backends.ConnectAsync(settings, ct);
        var node = new GatewayNode(settings.Gateway, backends.Broker, backends.Presence);
        await RegisterAsync(node, backends, ct);
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(backends);
        builder.Services.AddSingleton(node);
        var tokens = new TokenValidator(settings.Auth);
        var uplink = new UplinkPublisher(node, settings.EventFormat);
        await Warmup.RunAsync(tokens, uplink);
        builder.Services.AddSingleton(tokens);
        builder.Services.AddSingleton(uplink);
        var (rings, sendPath) = SendPath(settings);
        if (rings is not null) builder.Services.AddSingleton(rings); // disposed with the host
        builder.Services.AddSingleton<IClientSocketAcceptor>(settings.WebSocketStack == WebSocketStack.Framed
            ? new FramedClientSocket.Acceptor(rings)
            : new BuiltinClientSocket.Acceptor());
        builder.Services.AddSingleton<NativeEndpoint>();
        if (settings.WebSocketStack == WebSocketStack.Framed) builder.Services.AddSingleton<IConnectionListenerFactory>(TakeClientUpgrades(settings));
        builder.Services.AddSingleton<EngineEndpoint>();
        builder.Services.AddHostedService<PresenceUpkeepService>();
        builder.Services.AddHostedService<DrainService>();
        builder.Services.AddGatewayApi();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.Lifetime.ApplicationStopped.Register(() => backends.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5)));
        // A malformed upgrade gets a 400 saying what is wrong (the built-in stack's endpoints only say "expected a WebSocket").
        if (settings.WebSocketStack == WebSocketStack.Framed) app.Use(WebSocketHandshake.RejectMalformedAsync);
        app.UseWebSockets();
        app.MapWhen(http => http.Connection.LocalPort == settings.PublicPort, PublicPort.Configure);
        app.MapWhen(http => http.Connection.LocalPort == settings.InternalPort, InternalPort.Configure);
        app.MapWhen(http => http.Connection.LocalPort == settings.GrpcPort, GrpcPort.Configure);
        node.NodeIdTaken += e => GatewayLog.NodeIdInUse(app.Logger, node.NodeId, ServerSettings.Describe("NodeId"));
        node.CommandRejected += (target, op, why) => GatewayLog.CommandRejected(app.Logger, op, target.ToString(), why);
        backends.Broker.StateChanged += state => GatewayLog.BrokerState(app.Logger,
            GatewayLog.BrokerStateLevel(state, app.Lifetime.ApplicationStopping.IsCancellationRequested), state.ToString().ToLowerInvariant());
        GatewayLog.Settings(app.Logger, SettingsSummary.Describe(settings));
        GatewayLog.SendPath(app.Logger, sendPath);
        if (rings is not null) rings.RingFailed += why => GatewayLog.SendRingFailed(app.Logger, why);
        // Once the ports are bound: a replica whose port is taken never says it listens.
        app.Lifetime.ApplicationStarted.Register(() => GatewayLog.NodeStarted(app.Logger, node.NodeId, settings.PublicPort, settings.GrpcPort,
            settings.InternalPort, backends.BrokerName, backends.PresenceName));
        var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Select(v => KeyValuePair.Create((string)v.Key, (string?)v.Value));
        foreach (var warning in SettingsSummary.Warnings(settings, environment))
            GatewayLog.SettingWarning(app.Logger, warning);
        return app;
    }

    /// <summary>
    /// Takes the node's lease before anything listens: a second process given a running replica's node id
    /// stops here, leaving the first one's lease and entries as they were.
    /// </summary>
    static async Task RegisterAsync(GatewayNode node, Backends backends, CancellationToken ct)
    {
        try
        {
            await node.RegisterAsync(ct);
        }
        catch (Core.Presence.NodeIdInUseException e)
        {
            await backends.DisposeAsync();
            throw new StartupException($"{ServerSettings.Describe("NodeId")}: {e.Message}; give each replica its own, or leave it unset", e);
        }
    }

    /// <summary>How pushes reach idle sockets: a ring sender when io_uring serves, and what to log about it.</summary>
    internal static (RingSender? Rings, string Description) SendPath(ServerSettings settings)
    {
        if (settings.WebSocketStack != WebSocketStack.Framed) return (null, "one write per frame (the built-in WebSocket stack)");
        if (!settings.IoUring) return (null, $"one system call per socket ({ServerSettings.Describe("IoUring")} is off)");
        if (RingSender.TryCreate(out var unavailable) is { } rings)
            return (rings, $"a push's idle sockets are written with one io_uring submission ({rings.Rings} rings)");
        return (null, $"one system call per socket: io_uring is unavailable ({unavailable})");
    }

    /// <summary>
    /// The public port's transport: client upgrades to <see cref="NativeEndpoint.Path"/> are taken at the
    /// connection, below HTTP (<see cref="UpgradeListener"/>); every other request goes on to Kestrel's HTTP/1.1.
    /// </summary>
    static Func<IServiceProvider, IConnectionListenerFactory> TakeClientUpgrades(ServerSettings settings) => services =>
        new UpgradeTransport(settings.PublicPort, endPoint => new UpgradeListener(services.GetRequiredService<ListenSockets>().Take(endPoint), NativeEndpoint.Path,
            (FramedClientSocket.Acceptor)services.GetRequiredService<IClientSocketAcceptor>(), settings.Limits.PingInterval,
            services.GetRequiredService<NativeEndpoint>().TakeOver, services.GetRequiredService<ILogger<UpgradeListener>>()));
}
