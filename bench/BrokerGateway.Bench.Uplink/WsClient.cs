using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace BrokerGateway.Bench.Uplink;

/// <summary>
/// One native-protocol client (docs/protocol.md): connects with a token, waits for <c>welcome</c>, sends
/// frames, and matches <c>reply</c> frames to the RPCs it sent. Its receive loop also keeps the socket
/// answering the gateway's pings for the whole run.
/// </summary>
public sealed class WsClient : IAsyncDisposable
{
    readonly ClientWebSocket _socket = new();
    readonly SemaphoreSlim _sendLock = new(1, 1);
    readonly ConcurrentDictionary<long, TaskCompletionSource<bool>> _pending = new();
    readonly CancellationTokenSource _stop = new();
    readonly TaskCompletionSource<string> _welcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    Task _receiving = Task.CompletedTask;
    long _lastId;

    WsClient(int index, int replica)
    {
        Index = index;
        Replica = replica;
    }

    public int Index { get; }
    public int Replica { get; }
    public string Conn { get; private set; } = "";

    /// <summary>Why the gateway closed this socket, if it did (a <c>disconnect</c> frame or a close status).</summary>
    public string? Closed { get; private set; }

    public static async Task<WsClient> ConnectAsync(int index, int replica, Uri uri, CancellationToken ct)
    {
        var client = new WsClient(index, replica);
        try
        {
            await client._socket.ConnectAsync(uri, ct);
            client._receiving = client.ReceiveLoopAsync();
            client.Conn = await client._welcome.Task.WaitAsync(TimeSpan.FromSeconds(15), ct);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends one text frame (frames are not interleaved: one sender at a time).</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> frame, CancellationToken ct)
    {
        await _sendLock.WaitAsync(ct);
        try
        {
            await _socket.SendAsync(frame, WebSocketMessageType.Text, true, ct);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends <c>{"type":"rpc",…}</c> and waits for its reply; false when the reply is an error.</summary>
    public async Task<bool> RpcAsync(string method, string payload, TimeSpan timeout, CancellationToken ct)
    {
        var id = Interlocked.Increment(ref _lastId);
        var reply = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        try
        {
            var frame = Encoding.UTF8.GetBytes($$"""{"type":"rpc","method":"{{method}}","id":{{id}},"data":"{{payload}}"}""");
            await SendAsync(frame, ct);
            return await reply.Task.WaitAsync(timeout, ct);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), _stop.Token);
                    length += result.Count;
                } while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Closed ??= $"closed {(int?)_socket.CloseStatus} {_socket.CloseStatusDescription}";
                    break;
                }
                OnFrame(buffer.AsSpan(0, length));
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            if (!_stop.IsCancellationRequested) Closed ??= "connection lost: " + e.Message;
        }
        _welcome.TrySetException(new InvalidOperationException($"client {Index}: no welcome ({Closed})"));
        foreach (var pending in _pending.Values) pending.TrySetException(new InvalidOperationException($"client {Index}: {Closed}"));
    }

    void OnFrame(ReadOnlySpan<byte> frame)
    {
        string? type = null, conn = null, code = null;
        long id = 0;
        var error = false;
        var reader = new Utf8JsonReader(frame);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            switch (name)
            {
                case "type": type = reader.GetString(); break;
                case "conn": conn = reader.GetString(); break;
                case "id" when reader.TokenType == JsonTokenType.Number: id = reader.GetInt64(); break;
                case "error": error = true; reader.Skip(); break;
                case "code" when reader.TokenType == JsonTokenType.Number: code = reader.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture); break;
                default: reader.Skip(); break;
            }
        }
        switch (type)
        {
            case "welcome": _welcome.TrySetResult(conn ?? ""); break;
            case "reply" when _pending.TryGetValue(id, out var pending): pending.TrySetResult(!error); break;
            case "disconnect": Closed = $"disconnect {code}: {Encoding.UTF8.GetString(frame)}"; break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
        }
        _stop.Cancel();
        try { await _receiving.WaitAsync(TimeSpan.FromSeconds(2)); } catch (Exception) { }
        _socket.Dispose();
        _stop.Dispose();
    }
}
