using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;

namespace BrokerGateway.Server.Tests.Infrastructure;

/// <summary>A connmix engine worker for tests: the seed's JSON over a raw WebSocket, answers and events apart.</summary>
public sealed class EngineClient : IAsyncDisposable
{
    readonly ClientWebSocket _socket = new();
    readonly Channel<JsonObject> _answers = Channel.CreateUnbounded<JsonObject>();
    readonly Channel<JsonObject> _events = Channel.CreateUnbounded<JsonObject>();
    Task? _receiving;

    public static async Task<EngineClient> ConnectAsync(int internalPort, string query = "")
    {
        var client = new EngineClient();
        await client._socket.ConnectAsync(new Uri($"ws://127.0.0.1:{internalPort}/ws/v1{query}"), CancellationToken.None).WaitAsync(TestClient.Timeout);
        client._receiving = client.ReceiveAsync();
        return client;
    }

    async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 20];
        try
        {
            while (await TestClient.ReceiveJsonAsync(_socket, buffer) is { } frame)
                await (frame.ContainsKey("e") ? _events : _answers).Writer.WriteAsync(frame);
        }
        catch (Exception)
        {
        }
        finally
        {
            _answers.Writer.TryComplete();
            _events.Writer.TryComplete();
        }
    }

    /// <summary>Sends raw text and returns the next answer.</summary>
    public async Task<JsonObject> SendRawAsync(string json)
    {
        await _socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, true, CancellationToken.None).WaitAsync(TestClient.Timeout);
        return await _answers.Reader.ReadAsync().AsTask().WaitAsync(TestClient.Timeout);
    }

    public Task<JsonObject> CallAsync(string method, JsonArray parameters, int id = 12345) =>
        SendRawAsync(new JsonObject { ["m"] = method, ["p"] = parameters, ["i"] = id }.ToJsonString());

    public async Task<JsonObject> NextEventAsync() => await _events.Reader.ReadAsync().AsTask().WaitAsync(TestClient.Timeout);

    public bool TryTakeEvent(out JsonObject evt) => _events.Reader.TryRead(out evt!);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception) { }
        _socket.Dispose();
        if (_receiving is not null) await _receiving.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { });
    }
}
