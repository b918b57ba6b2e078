using System.Net.Sockets;
using System.Text;

namespace BrokerGateway.Server.Tests.Framing.Support;

/// <summary>
/// A TCP connection that speaks HTTP/1.1 and RFC 6455 by hand, to send what no WebSocket library will:
/// malformed handshakes and unmasked frames.
/// </summary>
public sealed class RawConnection : IAsyncDisposable
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    readonly TcpClient _tcp = new();
    NetworkStream _stream = null!;
    byte[] _pending = [];

    public static async Task<RawConnection> ConnectAsync(int port)
    {
        var raw = new RawConnection();
        await raw._tcp.ConnectAsync("127.0.0.1", port).WaitAsync(Timeout);
        raw._stream = raw._tcp.GetStream();
        return raw;
    }

    /// <summary>A valid upgrade request for <paramref name="path"/>, with headers replaced or removed (null) as given.</summary>
    public static string Upgrade(string path, int port, IReadOnlyDictionary<string, string?>? overrides = null, string method = "GET")
    {
        var headers = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Host"] = $"127.0.0.1:{port}",
            ["Upgrade"] = "websocket",
            ["Connection"] = "Upgrade",
            ["Sec-WebSocket-Version"] = "13",
            ["Sec-WebSocket-Key"] = "dGhlIHNhbXBsZSBub25jZQ==",
        };
        foreach (var (name, value) in overrides ?? new Dictionary<string, string?>()) headers[name] = value;
        var request = new StringBuilder($"{method} {path} HTTP/1.1\r\n");
        foreach (var (name, value) in headers)
            if (value is not null) request.Append($"{name}: {value}\r\n");
        return request.Append("\r\n").ToString();
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.ASCII.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes).AsTask().WaitAsync(Timeout);

    /// <summary>Reads an HTTP response head (and a body as far as Content-Length says).</summary>
    public async Task<(int Status, Dictionary<string, string> Headers, string Body)> ReadResponseAsync()
    {
        var head = await ReadUntilAsync("\r\n\r\n"u8.ToArray());
        var lines = Encoding.ASCII.GetString(head).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var status = int.Parse(lines[0].Split(' ')[1]);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var body = "";
        if (headers.TryGetValue("Content-Length", out var length))
            body = Encoding.UTF8.GetString(await ReadExactlyAsync(int.Parse(length)));
        else if (headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked"))
            body = await ReadChunkedAsync();
        return (status, headers, body);
    }

    async Task<string> ReadChunkedAsync()
    {
        var body = new StringBuilder();
        while (true)
        {
            var size = Convert.ToInt32(Encoding.ASCII.GetString(await ReadUntilAsync("\r\n"u8.ToArray()))[..^2], 16);
            if (size == 0)
            {
                await ReadUntilAsync("\r\n"u8.ToArray());
                return body.ToString();
            }
            body.Append(Encoding.UTF8.GetString(await ReadExactlyAsync(size)));
            await ReadExactlyAsync(2);
        }
    }

    /// <summary>The next frame the server sent.</summary>
    public async Task<ServerFrame> NextFrameAsync()
    {
        while (true)
        {
            var frame = ServerFrame.TryRead(_pending, out var consumed);
            if (frame is not null)
            {
                _pending = _pending[consumed..];
                return frame;
            }
            await FillAsync();
        }
    }

    /// <summary>True when the server closed the TCP connection.</summary>
    public async Task<bool> EndsAsync()
    {
        try
        {
            while (true)
            {
                var buffer = new byte[4096];
                if (await _stream.ReadAsync(buffer).AsTask().WaitAsync(Timeout) == 0) return true;
            }
        }
        catch (IOException)
        {
            return true; // reset
        }
    }

    async Task<byte[]> ReadUntilAsync(byte[] terminator)
    {
        while (true)
        {
            var at = _pending.AsSpan().IndexOf(terminator);
            if (at >= 0)
            {
                var result = _pending[..(at + terminator.Length)];
                _pending = _pending[(at + terminator.Length)..];
                return result;
            }
            await FillAsync();
        }
    }

    async Task<byte[]> ReadExactlyAsync(int count)
    {
        while (_pending.Length < count) await FillAsync();
        var result = _pending[..count];
        _pending = _pending[count..];
        return result;
    }

    async Task FillAsync()
    {
        var buffer = new byte[65536];
        var n = await _stream.ReadAsync(buffer).AsTask().WaitAsync(Timeout);
        if (n == 0) throw new EndOfStreamException("the server closed the connection");
        _pending = [.. _pending, .. buffer.AsSpan(0, n)];
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
