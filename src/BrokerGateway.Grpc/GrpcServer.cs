using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace BrokerGateway.Grpc;

/// <summary>Kestrel set-up for a gRPC port.</summary>
public static class GrpcServer
{
    /// <summary>
    /// Listens on <paramref name="port"/> (0 = any free port) speaking HTTP/2 only, in clear text
    /// (h2c with prior knowledge). A cleartext port that also allows HTTP/1.1 would speak only HTTP/1.1:
    /// Kestrel picks HTTP/1 whenever there is no TLS to negotiate with (docs/grpc.md "Kestrel").
    /// </summary>
    /// <param name="address">Default <see cref="IPAddress.Loopback"/>; <see cref="IPAddress.Any"/> for all interfaces.</param>
    public static void ConfigureKestrel(KestrelServerOptions options, int port, IPAddress? address = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Listen(address ?? IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2);
    }
}
