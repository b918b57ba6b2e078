using BrokerGateway.Core.Gateway;
using BrokerGateway.Grpc;
using BrokerGateway.Grpc.Health;
using BrokerGateway.Grpc.Reflection;
using BrokerGateway.Server.Hosting;

namespace BrokerGateway.Server.Api;

/// <summary>
/// Puts the API on the gRPC port: api.SocketMService, bgw.v1.Gateway, grpc.health.v1.Health and
/// reflection, behind the API bearer token when one is configured (health and reflection stay open).
/// </summary>
public static class ApiHost
{
    /// <summary>Registers the API's services. Call after the drain service, so health turns NOT_SERVING before the drain starts.</summary>
    public static IServiceCollection AddGatewayApi(this IServiceCollection services)
    {
        services.AddSingleton(new GatewayApiOptions());
        services.AddSingleton(new HealthStatusProvider());
        services.AddHostedService<ClusterLinkService>();
        services.AddSingleton<ApiHealth>();
        services.AddHostedService(sp => sp.GetRequiredService<ApiHealth>());
        return services;
    }

    /// <summary>The request handler of the gRPC port's branch.</summary>
    public static RequestDelegate CreateGrpcHandler(IApplicationBuilder app)
    {
        var services = app.ApplicationServices;
        var node = services.GetRequiredService<GatewayNode>();
        var settings = services.GetRequiredService<ServerSettings>();
        var options = services.GetRequiredService<GatewayApiOptions>();
        var arguments = new ApiArguments(settings.Gateway.DefaultNamespace, options.MaxLookupsPerCall);
        var socketm = new SocketMService(node, arguments).Build();
        var gateway = new GatewayService(node, arguments, options, services.GetRequiredService<ILogger<GatewayService>>()).Build();
        var health = HealthService.Create(services.GetRequiredService<HealthStatusProvider>());
        var reflection = ServerReflectionService.Create([socketm, gateway, health]);
        var endpoints = new EndpointCollector(app);
        endpoints.MapGrpcServices(new GrpcServerOptions { BearerToken = settings.ApiToken }, socketm, gateway, health, reflection);
        var dispatch = endpoints.SingleHandler();
        var readiness = services.GetRequiredService<ApiHealth>();
        return http => http.Request.Path.Value == ApiHealth.WatchPath ? readiness.TrackWatchAsync(dispatch, http) : dispatch(http);
    }

    /// <summary>
    /// Collects what <c>MapGrpcServices</c> maps, so the gRPC port's branch runs it directly: the port is
    /// told apart by its local port number, which endpoint routing cannot match on, and the other ports'
    /// requests never meet the catch-all gRPC endpoint.
    /// </summary>
    sealed class EndpointCollector(IApplicationBuilder app) : IEndpointRouteBuilder
    {
        public IServiceProvider ServiceProvider => app.ApplicationServices;
        public ICollection<EndpointDataSource> DataSources { get; } = new List<EndpointDataSource>();
        public IApplicationBuilder CreateApplicationBuilder() => app.New();

        public RequestDelegate SingleHandler() =>
            DataSources.SelectMany(d => d.Endpoints).Single().RequestDelegate
                ?? throw new InvalidOperationException("the gRPC endpoint has no handler");
    }
}

/// <summary>Starts the node's cluster link (bgw.sys answers, connection events) and the live rate limit.</summary>
public sealed class ClusterLinkService(GatewayNode node, ServerSettings settings) : IHostedService
{
    IAsyncDisposable? _link;

    public async Task StartAsync(CancellationToken ct)
    {
        // A configuration the limit cannot hold leaves the rate limiters on their own (constructor) values.
        var configured = new RateLimitValue(settings.Limits.MessagesPerSecond, settings.Limits.MessagesBurst);
        if (configured.Problem is null) node.RateLimit.Configure(configured);
        _link = await node.StartClusterAsync(ct);
    }

    public async Task StopAsync(CancellationToken ct)
    {
        if (_link is not null) await _link.DisposeAsync();
    }
}

/// <summary>
/// grpc.health.v1 follows readiness (as <c>/readyz</c>): SERVING while the broker link is up and the node
/// is not draining. It turns NOT_SERVING for good when the host starts stopping, before the drain (the host
/// runs StoppingAsync in reverse registration order, and this is registered after the drain service).
/// </summary>
public sealed class ApiHealth(HealthStatusProvider health, GatewayNode node, GatewayApiOptions options) : IHostedLifecycleService
{
    public const string WatchPath = "/" + HealthService.Name + "/Watch";

    static readonly string[] Services = ["", SocketMService.Name, GatewayService.Name];
    int _watches;

    /// <summary>Runs a health watch call, counting it while it lasts.</summary>
    public async Task TrackWatchAsync(RequestDelegate dispatch, HttpContext http)
    {
        Interlocked.Increment(ref _watches);
        try { await dispatch(http); }
        finally { Interlocked.Decrement(ref _watches); }
    }

    public Task StartingAsync(CancellationToken ct)
    {
        node.Broker.StateChanged += OnBrokerState;
        Update();
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken ct) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken ct) => Task.CompletedTask;

    public async Task StoppingAsync(CancellationToken ct)
    {
        health.EnterTerminalState();
        // Health watches end when the host stops: give their writers time to send NOT_SERVING first.
        if (Volatile.Read(ref _watches) > 0 && options.HealthWatchGrace > TimeSpan.Zero)
        {
            try { await Task.Delay(options.HealthWatchGrace, ct); }
            catch (OperationCanceledException) { /* the host's shutdown timeout wins */ }
        }
    }

    public Task StopAsync(CancellationToken ct)
    {
        node.Broker.StateChanged -= OnBrokerState;
        return Task.CompletedTask;
    }

    public Task StoppedAsync(CancellationToken ct) => Task.CompletedTask;

    void OnBrokerState(Core.Broker.BrokerState _) => Update();

    void Update()
    {
        var status = node.IsDraining || !node.Broker.IsConnected ? ServingStatus.NotServing : ServingStatus.Serving;
        foreach (var service in Services) health.Set(service, status);
    }
}
