using System.Net.WebSockets;
using System.Text;

namespace BrokerGateway.Bench.Framing;

/// <summary>
/// Guest clients subscribed to one topic (topics carry no presence events, which would otherwise flood every
/// member when thousands join), counting the pushes they receive.
/// </summary>
public sealed class Clients : IAsyncDisposable
{
    readonly List<ClientWebSocket> _sockets = [];
    readonly List<Task> _loops = [];
    long _received;
    long _replies;

    public long Received => Interlocked.Read(ref _received);
    public void Reset() => Interlocked.Exchange(ref _received, 0);

    public static async Task<Clients> ConnectAsync(int port, int count, string topic)
    {
        var clients = new Clients();
        var uri = new Uri($"ws://127.0.0.1:{port}/v1/ws");
        for (var i = 0; i < count; i += 100)
        {
            var batch = Enumerable.Range(i, Math.Min(100, count - i)).Select(async _ =>
            {
                var ws = new ClientWebSocket();
                ws.Options.KeepAliveInterval = TimeSpan.Zero;
                await ws.ConnectAsync(uri, CancellationToken.None);
                await SendAsync(ws, "{\"type\":\"auth\"}");
                await SendAsync(ws, $"{{\"type\":\"subscribe\",\"topics\":[\"{topic}\"],\"id\":1}}");
                return ws;
            });
            var sockets = await Task.WhenAll(batch);
            lock (clients._sockets) clients._sockets.AddRange(sockets);
            foreach (var ws in sockets) clients._loops.Add(clients.ReceiveLoopAsync(ws));
        }
        // The subscribe reply of every client.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Interlocked.Read(ref clients._replies) < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"only {clients._replies} of {count} subscribe replies");
            await Task.Delay(10);
        }
        return clients;
    }

    static Task SendAsync(ClientWebSocket ws, string text) =>
        ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    async Task ReceiveLoopAsync(ClientWebSocket ws)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var r = await ws.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (r.MessageType == WebSocketMessageType.Close) return;
                if (!r.EndOfMessage) continue;
                var frame = buffer.AsSpan(0, r.Count);
                if (frame.IndexOf("\"type\":\"push\""u8) >= 0) Interlocked.Increment(ref _received);
                else if (frame.IndexOf("\"type\":\"reply\""u8) >= 0) Interlocked.Increment(ref _replies);
            }
        }
        catch (Exception)
        {
        }
    }

    public async Task WaitForAsync(long total, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Received < total)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"received {Received} of {total}");
            await Task.Delay(1);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var ws in _sockets) ws.Abort();
        await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { });
        foreach (var ws in _sockets) ws.Dispose();
    }
}
