using BrokerGateway.Grpc.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BrokerGateway.Grpc;

public static class GrpcEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the services behind one catch-all endpoint (<c>/{**path}</c>, any HTTP method), so unknown
    /// paths and non-gRPC requests get proper gRPC answers instead of a bare 404. More specific routes
    /// mapped beside it still win. On a host with several ports, restrict it to the gRPC one with
    /// <c>.RequireHost("*:8081")</c>.
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcServices(this IEndpointRouteBuilder endpoints,
        GrpcServerOptions options, params GrpcServiceDefinition[] services)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        options.Validate();
        var logger = endpoints.ServiceProvider.GetService<ILoggerFactory>()?.CreateLogger("BrokerGateway.Grpc")
            ?? NullLogger.Instance;
        var dispatcher = new GrpcDispatcher(options, services, logger);
        return endpoints.Map("/{**grpcPath}", dispatcher.DispatchAsync).WithDisplayName("gRPC");
    }
}
