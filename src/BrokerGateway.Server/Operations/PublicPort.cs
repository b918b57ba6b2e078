using BrokerGateway.Server.Protocol.Native;

namespace BrokerGateway.Server.Operations;

/// <summary>The public port: client WebSockets, health, and the demo page.</summary>
public static class PublicPort
{
    public static void Configure(IApplicationBuilder app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.Run(http => http.Request.Path.Value switch
        {
            NativeEndpoint.Path => http.RequestServices.GetRequiredService<NativeEndpoint>().HandleAsync(http),
            Health.LivePath => Health.LiveAsync(http),
            Health.ReadyPath => Health.ReadyAsync(http),
            _ => NotFoundAsync(http),
        });
    }

    internal static Task NotFoundAsync(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}
