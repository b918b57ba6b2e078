namespace BrokerGateway.Server.Operations;

/// <summary>The internal port: metrics and health for operators (and, as they land, admin and engine APIs).</summary>
public static class InternalPort
{
    public static void Configure(IApplicationBuilder app)
    {
        app.Run(http => http.Request.Path.Value switch
        {
            Metrics.Path => Metrics.WriteAsync(http),
            Health.LivePath => Health.LiveAsync(http),
            Health.ReadyPath => Health.ReadyAsync(http),
            _ => PublicPort.NotFoundAsync(http),
        });
    }
}
