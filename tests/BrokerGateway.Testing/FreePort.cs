global using Xunit;
using System.Net;
using System.Net.Sockets;

namespace BrokerGateway.Testing;

/// <summary>Free loopback TCP ports, asked of the kernel so parallel test runs never collide.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
