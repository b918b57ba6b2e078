global using Xunit;
using System.Net;
using System.Net.Sockets;

namespace BrokerGateway.Testing;

/// <summary>
/// Free loopback TCP ports for servers started by tests. They are drawn below the kernel's ephemeral range:
/// a port taken from inside it (port 0) can be handed to some client's outgoing connection between the
/// moment it is found free and the moment the server binds it, and the server then fails to start.
/// </summary>
public static class FreePort
{
    static readonly HashSet<int> Given = [];
    static readonly (int Low, int High) Range = BelowEphemeral();

    public static int Next()
    {
        lock (Given)
        {
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var port = Random.Shared.Next(Range.Low, Range.High);
                if (Given.Contains(port) || !IsFree(port)) continue;
                Given.Add(port);
                return port;
            }
        }
        using var listener = new TcpListener(IPAddress.Loopback, 0); // a crowded machine: let the kernel choose
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>[10000, start of the ephemeral range), from /proc when it says; Linux's default otherwise.</summary>
    static (int, int) BelowEphemeral()
    {
        var first = 32768;
        try
        {
            var text = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            first = int.Parse(text[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
        }
        return first > 12000 ? (10000, first) : (1024 + 1, Math.Max(2000, first));
    }
}
