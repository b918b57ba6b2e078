using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace BrokerGateway.Server.Tests.Infrastructure;

/// <summary>
/// A native-protocol client for tests: a real ClientWebSocket whose frames are collected as JSON, with
/// every wait bounded by a timeout.
/// </summary>
public sealed class TestClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    readonly ClientWebSocket _socket = new();
    readonly Channel<JsonObject> _frames = Channel.CreateUnbounded<JsonObject>();
    readonly TaskCompletionSource<(int? Code, string? Reason)> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int _nextId;
    Task? _receiving;

    public JsonObject? Welcome { get; private set; }
    public string Conn => (string)Welcome!["conn"]!;

    /// <summary>Connects; with <paramref name="expectWelcome"/> waits for the welcome frame.</summary>
    public static async Task<TestClient> ConnectAsync(int port, string? token = null, string query = "", bool expectWelcome = true, string? bearer = null)
    {
        var client = new TestClient();
        if (bearer is not null) client._socket.Options.SetRequestHeader("Authorization", "Bearer " + bearer);
        var uri = new Uri($"ws://127.0.0.1:{port}/v1/ws?{(token is null ? "" : "token=" + Uri.EscapeDataString(token))}{query}");
        await client._socket.ConnectAsync(uri, CancellationToken.None).WaitAsync(Timeout);
        client._receiving = client.ReceiveLoopAsync();
        if (expectWelcome) client.Welcome = await client.NextAsync("welcome");
        return client;
    }

    async Task ReceiveLoopAsync()
    {
        var buffer = new byte[1 << 20];
        try
        {
            while (await ReceiveJsonAsync(_socket, buffer) is { } frame) _frames.Writer.TryWrite(frame);
            _closed.TrySetResult(((int?)_socket.CloseStatus, _socket.CloseStatusDescription));
            // Answer the close, as a browser does, so the server need not wait for its timeout.
            try { await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None); }
            catch (WebSocketException) { }
            _frames.Writer.TryComplete();
        }
        catch (Exception)
        {
            _closed.TrySetResult((null, "aborted"));
            _frames.Writer.TryComplete();
        }
    }

    /// <summary>One whole message as a JSON object, or null once the server has sent its close frame.</summary>
    internal static async Task<JsonObject?> ReceiveJsonAsync(ClientWebSocket socket, byte[] buffer)
    {
        var length = 0;
        ValueWebSocketReceiveResult r;
        do
        {
            r = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
            if (r.MessageType == WebSocketMessageType.Close) return null;
            length += r.Count;
        } while (!r.EndOfMessage);
        return JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, length))!.AsObject();
    }

    /// <summary>The next frame of <paramref name="type"/>, skipping others (kept nowhere).</summary>
    public async Task<JsonObject> NextAsync(string type, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        try
        {
            while (true)
            {
                var frame = await _frames.Reader.ReadAsync(cts.Token);
                if ((string?)frame["type"] == type) return frame;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no '{type}' frame within {(timeout ?? Timeout).TotalSeconds} s");
        }
        catch (ChannelClosedException)
        {
            var (code, reason) = await _closed.Task;
            throw new InvalidOperationException($"socket closed ({code} {reason}) while waiting for '{type}'");
        }
    }

    /// <summary>True when no frame of <paramref name="type"/> arrives before a marker round trip completes.</summary>
    public async Task<List<JsonObject>> DrainUntilPongAsync()
    {
        var marker = $"m{Interlocked.Increment(ref _nextId)}";
        await SendAsync(new JsonObject { ["type"] = "ping", ["id"] = marker });
        var seen = new List<JsonObject>();
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var frame = await _frames.Reader.ReadAsync(cts.Token);
            if ((string?)frame["type"] == "pong" && (string?)frame["id"] == marker) return seen;
            seen.Add(frame);
        }
    }

    public Task SendAsync(JsonObject frame) => SendRawAsync(Encoding.UTF8.GetBytes(frame.ToJsonString()));

    public async Task SendRawAsync(byte[] bytes, WebSocketMessageType type = WebSocketMessageType.Text)
    {
        await _socket.SendAsync(bytes, type, true, CancellationToken.None).WaitAsync(Timeout);
    }

    /// <summary>Sends a frame with a fresh id and returns its reply.</summary>
    public async Task<JsonObject> RequestAsync(JsonObject frame)
    {
        var id = Interlocked.Increment(ref _nextId);
        frame["id"] = id;
        await SendAsync(frame);
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var reply = await NextAsync("reply");
            if ((int?)reply["id"] == id) return reply;
        }
    }

    public async Task<JsonObject> JoinAsync(string room) => await RequestAsync(new JsonObject { ["type"] = "join", ["room"] = room });

    /// <summary>Waits for the server to close the socket; returns the close code.</summary>
    public async Task<(int? Code, string? Reason)> ClosedAsync(TimeSpan? timeout = null) =>
        await _closed.Task.WaitAsync(timeout ?? Timeout);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception) { }
        _socket.Abort();
        _socket.Dispose();
        if (_receiving is not null) await _receiving.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { });
    }
}
