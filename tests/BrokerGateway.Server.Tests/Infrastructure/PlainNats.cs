using System.Net.Sockets;
using System.Text;

namespace BrokerGateway.Server.Tests.Infrastructure;

/// <summary>
/// A backend's view, with nothing of ours: the NATS text protocol written by hand on a TCP socket, as
/// any language could. A push is a plain PUB; options and commands are HPUB headers.
/// </summary>
public sealed class PlainNats : IDisposable
{
    readonly TcpClient _tcp = new();
    readonly NetworkStream _stream;
    readonly StreamReader _reader;

    public PlainNats(string url)
    {
        var uri = new Uri(url);
        _tcp.Connect(uri.Host, uri.Port);
        _stream = _tcp.GetStream();
        _stream.ReadTimeout = 10_000;
        _reader = new StreamReader(_stream, Encoding.ASCII);
        _reader.ReadLine(); // INFO {...}
        Write("CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"lang\":\"plain\",\"version\":\"0\"}\r\n");
        RoundTrip();
    }

    public void Publish(string subject, string data, params (string Key, string Value)[] headers)
    {
        var payload = Encoding.UTF8.GetBytes(data);
        if (headers.Length == 0)
        {
            Write($"PUB {subject} {payload.Length}\r\n");
        }
        else
        {
            var block = new StringBuilder("NATS/1.0\r\n");
            foreach (var (key, value) in headers) block.Append(key).Append(": ").Append(value).Append("\r\n");
            block.Append("\r\n");
            var headerBytes = Encoding.UTF8.GetByteCount(block.ToString());
            Write($"HPUB {subject} {headerBytes} {headerBytes + payload.Length}\r\n{block}");
        }
        _stream.Write(payload);
        Write("\r\n");
        RoundTrip();
    }

    // PING/PONG: the server has processed everything before it.
    void RoundTrip()
    {
        Write("PING\r\n");
        while (true)
        {
            var line = _reader.ReadLine() ?? throw new IOException("nats-server closed the connection");
            if (line == "PONG") return;
            if (line.StartsWith("-ERR", StringComparison.Ordinal)) throw new InvalidOperationException(line);
        }
    }

    void Write(string text) => _stream.Write(Encoding.UTF8.GetBytes(text));

    public void Dispose() => _tcp.Dispose();
}
