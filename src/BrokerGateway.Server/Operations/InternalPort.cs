using BrokerGateway.Server.Engine;
using BrokerGateway.Server.Hosting;

namespace BrokerGateway.Server.Operations;

/// <summary>The internal port: metrics and health for operators, and the connmix engine API for workers.</summary>
public static class InternalPort
{
    public static void Configure(IApplicationBuilder app)
    {
        app.Run(http => http.Request.Path.Value switch
        {
            Metrics.Path => Authorized(http, Metrics.WriteAsync),
            EngineEndpoint.Path => Authorized(http, http.RequestServices.GetRequiredService<EngineEndpoint>().HandleAsync),
            Health.LivePath => Health.LiveAsync(http),
            Health.ReadyPath => Health.ReadyAsync(http),
            _ => PublicPort.NotFoundAsync(http),
        });
    }

    /// <summary>Runs <paramref name="next"/> when the request carries the API token (if one is configured).</summary>
    static Task Authorized(HttpContext http, Func<HttpContext, Task> next)
    {
        if (ApiToken.Accepts(http, http.RequestServices.GetRequiredService<ServerSettings>().ApiToken)) return next(http);
        http.Response.StatusCode = StatusCodes.Status401Unauthorized;
        return http.Response.WriteAsync("API token required: Authorization: Bearer <BGW_API_TOKEN>");
    }
}
