using System.Net.Sockets;
using System.Text;

namespace BrokerGateway.Core.Tests.Presence;

/// <summary>
/// Watches a redis-server with MONITOR to count the commands clients send — each one a round trip.
/// Commands a Lua script runs inside the server show as <c>[0 lua]</c> and are not counted.
/// </summary>
public sealed class RedisMonitor : IAsyncDisposable
{
    readonly string _host;
    readonly int _port;
    readonly TcpClient _client;
    readonly StreamReader _reader;

    RedisMonitor(string host, int port, TcpClient client)
    {
        _host = host;
        _port = port;
        _client = client;
        _reader = new StreamReader(client.GetStream(), Encoding.UTF8);
    }

    public static async Task<RedisMonitor> StartAsync(string host, int port, TimeSpan timeout)
    {
        var client = new TcpClient();
        await client.ConnectAsync(host, port).WaitAsync(timeout);
        var monitor = new RedisMonitor(host, port, client);
        await client.GetStream().WriteAsync("MONITOR\r\n"u8.ToArray()).AsTask().WaitAsync(timeout);
        var ok = await monitor._reader.ReadLineAsync().WaitAsync(timeout);
        if (ok != "+OK") throw new InvalidOperationException($"MONITOR answered {ok}");
        return monitor;
    }

    /// <summary>
    /// Runs <paramref name="action"/>, then returns the commands clients sent meanwhile (lower case),
    /// leaving out a client's background upkeep (PING, ECHO, INFO and the like).
    /// </summary>
    public async Task<List<string>> CaptureAsync(Func<Task> action, TimeSpan timeout)
    {
        await action();
        var marker = Unique.Name("marker");
        using (var sender = new TcpClient())
        {
            await sender.ConnectAsync(_host, _port).WaitAsync(timeout);
            var stream = sender.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"ECHO {marker}\r\n")).AsTask().WaitAsync(timeout);
            await stream.ReadAsync(new byte[256]).AsTask().WaitAsync(timeout);
        }

        var commands = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync().WaitAsync(timeout)
                ?? throw new InvalidOperationException("MONITOR stream ended");
            if (line.Contains(marker, StringComparison.Ordinal)) return commands;
            var source = line.IndexOf(" [", StringComparison.Ordinal);
            var end = line.IndexOf("] \"", source + 2, StringComparison.Ordinal);
            if (source < 0 || end < 0) continue;
            if (line.AsSpan(source + 2, end - source - 2).EndsWith(" lua")) continue;
            var command = line[(end + 3)..line.IndexOf('"', end + 3)].ToLowerInvariant();
            if (command is not ("ping" or "echo" or "info" or "client" or "cluster" or "config" or "subscribe" or "unsubscribe"))
                commands.Add(command);
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
