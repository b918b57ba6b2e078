using System.Diagnostics;
using System.Net.WebSockets;

namespace BrokerGateway.Bench.Fanout;

/// <summary>
/// One client socket with the leanest receive loop we can write, so the bench's side costs little beside
/// the gateway's: one reused buffer, no string, no DOM; a push is recognised by a byte search
/// (<see cref="PushPayload.TryRead"/>) and timed the moment its frame is whole.
/// </summary>
public sealed class FanoutClient
{
    readonly ClientFleet _fleet;
    readonly ClientWebSocket _socket = new();
    readonly TaskCompletionSource _welcomed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    byte[] _buffer = new byte[1024];

    public FanoutClient(ClientFleet fleet, int index, int room)
    {
        _fleet = fleet;
        Index = index;
        Room = room;
        // The gateway pings us (the socket answers by itself); pongs of our own would only add traffic.
        _socket.Options.KeepAliveInterval = TimeSpan.Zero;
    }

    public int Index { get; }
    public int Room { get; }
    public Task Welcomed => _welcomed.Task;
    public Task? Receiving { get; private set; }

    public async Task ConnectAsync(Uri uri, CancellationToken ct)
    {
        await _socket.ConnectAsync(uri, ct);
        Receiving = ReceiveLoopAsync(ct);
    }

    async Task ReceiveLoopAsync(CancellationToken ct)
    {
        try
        {
            var length = 0;
            while (true)
            {
                if (length == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
                var r = await _socket.ReceiveAsync(_buffer.AsMemory(length), ct);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    _fleet.OnClosedByServer(this, (int?)_socket.CloseStatus, _socket.CloseStatusDescription);
                    return;
                }
                length += r.Count;
                if (!r.EndOfMessage) continue;
                OnFrame(_buffer.AsSpan(0, length), Stopwatch.GetTimestamp());
                length = 0;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException or IOException)
        {
            if (!ct.IsCancellationRequested && !_fleet.Closing) _fleet.OnClosedByServer(this, null, e.Message);
        }
    }

    void OnFrame(ReadOnlySpan<byte> frame, long now)
    {
        _fleet.CountFrame();
        if (PushPayload.TryRead(frame, out var seq, out var sent))
        {
            _fleet.Ledger?.Record(Index, Room, seq, sent, now);
            return;
        }
        if (!_welcomed.Task.IsCompleted && frame.IndexOf("\"type\":\"welcome\""u8) >= 0) _welcomed.TrySetResult();
    }

    /// <summary>Closes politely, with a short timeout; then aborts.</summary>
    public async Task CloseAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bench done", cts.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
        }
        _socket.Abort();
        _socket.Dispose();
    }

    public void Abort()
    {
        _socket.Abort();
        _socket.Dispose();
    }
}
