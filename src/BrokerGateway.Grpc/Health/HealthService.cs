using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using WireStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace BrokerGateway.Grpc.Health;

/// <summary><c>grpc.health.v1.Health</c> over a <see cref="HealthStatusProvider"/> (health-checking.md).</summary>
public static class HealthService
{
    public const string Name = "grpc.health.v1.Health";

    // Never mutated after creation, so one instance per status serves every Check.
    static readonly HealthCheckResponse[] Responses =
        Enum.GetValues<ServingStatus>().Select(s => new HealthCheckResponse { Status = (WireStatus)s }).ToArray();

    public static GrpcServiceDefinition Create(HealthStatusProvider provider)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return new GrpcServiceBuilder(Name)
            .Unary<HealthCheckRequest, HealthCheckResponse>("Check", HealthCheckRequest.Parser, (request, _) =>
                provider.Get(request.Service) is { } status
                    ? Task.FromResult(Responses[(int)status])
                    : throw new GrpcException(StatusCode.NotFound, $"Unknown service '{request.Service}'."))
            .ServerStreaming<HealthCheckRequest, HealthCheckResponse>("Watch", HealthCheckRequest.Parser,
                (request, writer, context) => WatchAsync(provider, request, writer, context))
            .WithDescriptor(HealthReflection.Descriptor)
            .Build();
    }

    /// <summary>How long after shutdown begins a watch waits for the terminal status before it ends anyway.</summary>
    static readonly TimeSpan ShutdownFallback = TimeSpan.FromSeconds(1);

    static async Task WatchAsync(HealthStatusProvider provider, HealthCheckRequest request,
        IGrpcStreamWriter<HealthCheckResponse> writer, GrpcCallContext context)
    {
        // A watch lives as long as its caller wants; on shutdown it ends OK so Kestrel need not wait for it,
        // and the client retries against another replica (health-checking.md: any end but UNIMPLEMENTED is
        // retried). It ends once it has sent the terminal NOT_SERVING the host sets as it stops; shutdown
        // begins before that (SIGTERM raises ApplicationStopping first), so only a host that never sets it
        // has its watches ended a moment after shutdown begins.
        var stopping = context.HttpContext.RequestServices?.GetService<IHostApplicationLifetime>()?.ApplicationStopping
            ?? CancellationToken.None;
        using var both = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        using var fallback = stopping.Register(static s => ((CancellationTokenSource)s!).CancelAfter(ShutdownFallback), both);
        using var watch = provider.Watch(request.Service, out var changes);
        ServingStatus? last = null;
        try
        {
            while (await changes.WaitToReadAsync(both.Token))
            {
                while (changes.TryRead(out var status))
                {
                    if (status == last) continue;
                    last = status;
                    await writer.WriteAsync(Responses[(int)status], both.Token);
                    if (status == ServingStatus.NotServing && provider.IsTerminal) return;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
        }
    }
}
