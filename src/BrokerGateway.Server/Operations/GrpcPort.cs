using BrokerGateway.Server.Api;

namespace BrokerGateway.Server.Operations;

/// <summary>The gRPC port (HTTP/2 cleartext): the API, health and reflection (docs/api.md).</summary>
public static class GrpcPort
{
    public static void Configure(IApplicationBuilder app) => app.Run(ApiHost.CreateGrpcHandler(app));
}
