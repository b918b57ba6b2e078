using System.Net;
using BrokerGateway.Grpc.Client;
using BrokerGateway.Grpc.Health;
using BrokerGateway.Grpc.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Grpc.Tests.Infrastructure;

/// <summary>
/// A real Kestrel on a free loopback port (h2c only) serving test.v1.Echo, health and reflection, and
/// optionally a second, HTTP/1.1-only port with the same endpoints.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    readonly WebApplication _app;

    TestServer(WebApplication app, EchoService echo, HealthStatusProvider health, LogSink logs, int port, int? http1Port)
    {
        _app = app;
        Echo = echo;
        Health = health;
        Logs = logs;
        Port = port;
        Http1Port = http1Port;
    }

    public EchoService Echo { get; }
    public HealthStatusProvider Health { get; }
    public LogSink Logs { get; }
    public int Port { get; }
    public int? Http1Port { get; }
    public Uri Address => new($"http://127.0.0.1:{Port}");

    public GrpcClient CreateClient(string? bearerToken = null, GrpcClientOptions? options = null) => new(Address, bearerToken, options);

    public static async Task<TestServer> StartAsync(GrpcServerOptions? options = null, bool withHttp1Port = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        var logs = new LogSink();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("BrokerGateway.Grpc", LogLevel.Debug);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        int? http1Port = withHttp1Port ? FreePort.Next() : null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            GrpcServer.ConfigureKestrel(kestrel, 0);
            if (http1Port is { } p) kestrel.Listen(IPAddress.Loopback, p, o => o.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        var echo = new EchoService();
        var health = new HealthStatusProvider();
        var echoService = echo.Build();
        var healthService = HealthService.Create(health);
        app.MapGrpcServices(options ?? new GrpcServerOptions(), echoService, healthService,
            ServerReflectionService.Create([echoService, healthService]));
        await app.StartAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var port = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
            .Select(a => new Uri(a).Port).Single(p => p != http1Port);
        return new TestServer(app, echo, health, logs, port, http1Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WaitAsync(TimeSpan.FromSeconds(15));
        await _app.DisposeAsync();
    }
}
