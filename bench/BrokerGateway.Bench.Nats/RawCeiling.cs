using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using BrokerGateway.Nats;

namespace BrokerGateway.Bench.Nats;

/// <summary>
/// The most any subscriber could receive here: our publisher, and a subscriber that only counts bytes off the
/// socket (no parsing, no messages). It shows how close each client comes to what server and machine allow.
/// </summary>
static class RawCeiling
{
    public const string Name = "ceiling: byte-counting subscriber";

    public static async Task<Delivery> PublishSubscribeAsync(string url, string subject, byte[] payload, int count, int window)
    {
        var uri = new Uri(url);
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(uri.Host, uri.Port);
        var stream = tcp.GetStream();
        var buffer = new byte[1 << 20];
        await ReadLineAsync(stream, buffer); // INFO
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"CONNECT {{\"verbose\":false,\"protocol\":1}}\r\nSUB {subject} 1\r\nPING\r\n"));
        await ReadLineAsync(stream, buffer); // PONG
        var frame = Encoding.ASCII.GetByteCount($"MSG {subject} 1 {payload.Length}\r\n") + payload.Length + 2;
        var expected = (long)count * frame;
        long bytes = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = Task.Run(async () =>
        {
            while (Volatile.Read(ref bytes) < expected)
            {
                var read = await stream.ReadAsync(buffer);
                if (read == 0) break;
                Interlocked.Add(ref bytes, read);
            }
            done.TrySetResult();
        });
        await using var publisher = new NatsConnection(new NatsOptions { Servers = [url] });
        await publisher.ConnectAsync();
        long Received() => Volatile.Read(ref bytes) / frame;
        var clock = Stopwatch.StartNew();
        var flowing = true;
        for (var i = 0; i < count; i++)
        {
            if (flowing && i - Received() > window) flowing = await Flow.WaitAsync(() => i - Received() > window / 2, Received);
            var pending = publisher.PublishAsync(subject, payload);
            if (!pending.IsCompletedSuccessfully) await pending;
        }
        await publisher.FlushAsync();
        var delivery = await Flow.CompleteAsync(done.Task, Received, clock);
        tcp.Close();
        await reader.WaitAsync(Flow.Limit).ContinueWith(_ => { });
        return delivery;
    }

    static async Task ReadLineAsync(NetworkStream stream, byte[] buffer)
    {
        var n = 0;
        while (n == 0 || buffer[n - 1] != '\n')
        {
            var read = await stream.ReadAsync(buffer.AsMemory(n, 1));
            if (read == 0) throw new EndOfStreamException();
            n += read;
        }
    }
}
