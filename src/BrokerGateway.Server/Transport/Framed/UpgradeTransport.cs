using System.Net;
using Microsoft.AspNetCore.Connections;

namespace BrokerGateway.Server.Transport.Framed;

/// <summary>
/// Kestrel's transport for one port: binds it with an <see cref="UpgradeListener"/>. Kestrel asks the
/// transports registered last first, and binds every other endpoint with its own socket transport.
/// </summary>
public sealed class UpgradeTransport(int port, Func<EndPoint, UpgradeListener> listen) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint ip && ip.Port == port;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        new(listen(endpoint));
}
