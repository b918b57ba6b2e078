using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace BrokerGateway.Server.Hosting;

/// <summary>
/// The replica's three ports, bound before it connects its backends; Kestrel then listens on these
/// sockets (<see cref="SocketTransportOptions.CreateBoundListenSocket"/>, and the framed stack's
/// listener). Why: a port taken when Kestrel binds it fails inside the host's start, which logs the
/// failure with its stack trace before the caller can say which setting it is; bound here, a taken port
/// is a <see cref="StartupException"/> naming the setting, before the replica connects NATS or takes its
/// lease, and the port cannot be taken between this check and the listen.
/// </summary>
public sealed class ListenSockets : IDisposable
{
    readonly Dictionary<EndPoint, Socket> _bound = [];

    ListenSockets() { }

    /// <exception cref="StartupException">A port is in use: the message names its setting.</exception>
    public static ListenSockets Bind(ServerSettings settings)
    {
        var address = IPAddress.Parse(settings.BindAddress);
        var sockets = new ListenSockets();
        try
        {
            foreach (var (key, port) in new[] { ("PublicPort", settings.PublicPort), ("GrpcPort", settings.GrpcPort), ("InternalPort", settings.InternalPort) })
            {
                var endPoint = new IPEndPoint(address, port);
                try
                {
                    sockets._bound.Add(endPoint, SocketTransportOptions.CreateDefaultBoundListenSocket(endPoint));
                }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
                {
                    throw new StartupException($"{ServerSettings.Describe(key)}: {endPoint}: address already in use", e);
                }
            }
            return sockets;
        }
        catch
        {
            sockets.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The socket bound for <paramref name="endPoint"/>, handed over once: the listener owns it from then on.
    /// An endpoint not bound here (or asked for again) gets a new socket, as Kestrel would bind it.
    /// </summary>
    public Socket Take(EndPoint endPoint)
    {
        lock (_bound)
        {
            if (_bound.Remove(endPoint, out var socket)) return socket;
        }
        try
        {
            return SocketTransportOptions.CreateDefaultBoundListenSocket(endPoint);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new AddressInUseException(e.Message, e); // what Kestrel reports for its own transport
        }
    }

    /// <summary>Closes the sockets no listener took (the replica stopped before it listened).</summary>
    public void Dispose()
    {
        lock (_bound)
        {
            foreach (var socket in _bound.Values) socket.Dispose();
            _bound.Clear();
        }
    }
}
