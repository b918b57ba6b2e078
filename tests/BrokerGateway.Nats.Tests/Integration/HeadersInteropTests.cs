using System.Net.Sockets;
using System.Text;

namespace BrokerGateway.Nats.Tests.Integration;

public class HeadersInteropTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    static readonly TimeSpan T = TestNats.Timeout;

    [NatsFact]
    public async Task Headers_RoundTrip_WithRepeatedKeysAndValuesWithSpacesAndColons()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        var subject = Unique.Name("hdr");
        var sink = new MessageSink();
        await nats.SubscribeAsync(subject, sink.Handler).AsTask().WaitAsync(T);
        var headers = new NatsHeaders().Add("A", "1").Add("Mixed-Case", "x").Add("A", "2").Add("Url", "http://h:1/p q: r");
        await nats.PublishAsync(subject, TestNats.Bytes("body"), headers).AsTask().WaitAsync(T);
        await nats.PublishAsync(subject, ReadOnlyMemory<byte>.Empty, new NatsHeaders().Add("Only", "headers")).AsTask().WaitAsync(T);
        await sink.WaitForAsync(2);
        var got = sink.Messages[0].Headers!;
        Assert.Equal(["1", "2"], got.GetAll("A"));
        Assert.Equal("x", got["Mixed-Case"]);
        Assert.Null(got["mixed-case"]);
        Assert.Equal("http://h:1/p q: r", got["Url"]);
        Assert.Equal(headers.Lines, got.Lines);
        Assert.Equal("body", sink.Messages[0].Text());
        Assert.True(sink.Messages[1].Data.IsEmpty);
        Assert.Equal("headers", sink.Messages[1].Headers!["Only"]);
    }

    [NatsFact]
    public async Task Headers_ReachAnotherClient_ByteForByte()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        var subject = Unique.Name("raw");
        await using var raw = await RawClient.ConnectAsync(server.Url);
        await raw.SendAsync($"SUB {subject} 1\r\nPING\r\n");
        await raw.ReadUntilAsync("PONG\r\n");
        var headers = new NatsHeaders().Add("A", "1").Add("A", "2").Add("b", "x: y z");
        await nats.PublishAsync(subject, TestNats.Bytes("Yum!"), headers).AsTask().WaitAsync(T);
        const string block = "NATS/1.0\r\nA: 1\r\nA: 2\r\nb: x: y z\r\n\r\n";
        var expected = $"HMSG {subject} 1 {block.Length} {block.Length + 4}\r\n{block}Yum!\r\n";
        Assert.Equal(expected, await raw.ReadUntilAsync("Yum!\r\n"));
    }

    [NatsFact]
    public async Task HeadersFromAnotherClient_AreParsed_IncludingStatus()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        var subject = Unique.Name("in");
        var sink = new MessageSink();
        await nats.SubscribeAsync(subject, sink.Handler).AsTask().WaitAsync(T);
        await nats.FlushAsync().WaitAsync(T);
        await using var raw = await RawClient.ConnectAsync(server.Url);
        const string block = "NATS/1.0 409 Conflict Here\r\nK: v1\r\nK:v2\r\n\r\n";
        await raw.SendAsync($"HPUB {subject} {block.Length} {block.Length + 2}\r\n{block}ok\r\nPING\r\n");
        await raw.ReadUntilAsync("PONG\r\n");
        await sink.WaitForAsync(1);
        var headers = sink.Messages[0].Headers!;
        Assert.Equal(409, headers.StatusCode);
        Assert.Equal("Conflict Here", headers.StatusDescription);
        Assert.Equal(["v1", "v2"], headers.GetAll("K"));
        Assert.Equal("ok", sink.Messages[0].Text());
    }

    /// <summary>A hand-driven protocol client: what goes over the wire, byte for byte.</summary>
    sealed class RawClient : IAsyncDisposable
    {
        readonly TcpClient _tcp = new();
        readonly StringBuilder _received = new();
        NetworkStream Stream => _tcp.GetStream();

        public static async Task<RawClient> ConnectAsync(string url)
        {
            var uri = new Uri(url);
            var client = new RawClient();
            await client._tcp.ConnectAsync(uri.Host, uri.Port).WaitAsync(T);
            await client.ReadUntilAsync("\r\n");
            await client.SendAsync("CONNECT {\"verbose\":false,\"headers\":true,\"protocol\":1}\r\nPING\r\n");
            await client.ReadUntilAsync("PONG\r\n");
            return client;
        }

        public async Task SendAsync(string text) => await Stream.WriteAsync(Encoding.UTF8.GetBytes(text)).AsTask().WaitAsync(T);

        /// <summary>Reads until <paramref name="end"/>, skipping server PINGs; returns what came since the last call.</summary>
        public async Task<string> ReadUntilAsync(string end)
        {
            var buffer = new byte[4096];
            while (true)
            {
                var text = _received.ToString().Replace("PING\r\n", "", StringComparison.Ordinal);
                var at = text.IndexOf(end, StringComparison.Ordinal);
                if (at >= 0)
                {
                    _received.Clear().Append(text[(at + end.Length)..]);
                    return text[..(at + end.Length)];
                }
                var read = await Stream.ReadAsync(buffer).AsTask().WaitAsync(T);
                if (read == 0) throw new EndOfStreamException();
                _received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        }

        public ValueTask DisposeAsync()
        {
            _tcp.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
