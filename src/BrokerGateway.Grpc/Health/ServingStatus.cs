namespace BrokerGateway.Grpc.Health;

/// <summary>The health of a service, with the wire numbers of <c>grpc.health.v1.HealthCheckResponse.ServingStatus</c>.</summary>
public enum ServingStatus
{
    Unknown = 0,
    Serving = 1,
    NotServing = 2,
    /// <summary>Only sent by Watch, for a service name the server does not know (yet).</summary>
    ServiceUnknown = 3,
}
