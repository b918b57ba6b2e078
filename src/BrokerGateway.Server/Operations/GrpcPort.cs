namespace BrokerGateway.Server.Operations;

/// <summary>The gRPC port (HTTP/2 cleartext).</summary>
public static class GrpcPort
{
    public static void Configure(IApplicationBuilder app)
    {
        app.Run(http =>
        {
            // grpc-status 12 (UNIMPLEMENTED) in a trailers-only answer until services are mapped here.
            http.Response.ContentType = "application/grpc";
            http.Response.Headers["grpc-status"] = "12";
            http.Response.Headers["grpc-message"] = "no%20such%20service";
            return Task.CompletedTask;
        });
    }
}
