using System.Diagnostics;
using System.Text;
using BrokerGateway.Client;
using BrokerGateway.Contracts.Events;

namespace BrokerGateway.Bench.Uplink;

/// <summary>
/// Client messages through the gateway: every client sends <c>{"type":"send","event":"bench","data":"…"}</c>
/// without an <c>id</c> (fire and forget, docs/protocol.md), and two SDK workers in one queue group consume
/// <c>bgw.default.events.message</c>. A client sends only while it has credit: a message costs one, and the
/// worker that receives it gives it back, so a client never has more than the window in flight.
/// </summary>
public sealed class GatewaySendSide : ISendSide
{
    public const string Namespace = "default";
    const string QueueGroup = "bench-workers";

    readonly IReadOnlyList<WsClient> _clients;
    readonly SemaphoreSlim[] _credits;
    readonly BenchOptions _options;
    readonly List<IAsyncDisposable> _consumers = [];
    int _eventBytes;

    public GatewaySendSide(IReadOnlyList<WsClient> clients, int workers, BenchOptions options)
    {
        _clients = clients;
        _options = options;
        _credits = clients.Select(_ => new SemaphoreSlim(options.Window)).ToArray();
        Ledger = new DeliveryLedger(clients.Count, workers);
        Latencies = new LatencyRecorder(workers);
    }

    public Side Side => Side.Gateway;
    public DeliveryLedger Ledger { get; }
    public LatencyRecorder Latencies { get; }

    /// <summary>Size of a message event as the workers receive it (0 until one arrived).</summary>
    public int EventBytes => Volatile.Read(ref _eventBytes);

    /// <summary>Subscribes the workers (only to <c>message</c> events: the clients' open events are not counted).</summary>
    public async Task StartWorkersAsync(IReadOnlyList<BackendClient> workers, CancellationToken ct)
    {
        for (var w = 0; w < workers.Count; w++)
        {
            var worker = w;
            _consumers.Add(await workers[w].ConsumeEventsAsync(Namespace, QueueGroup, e => OnEvent(worker, e), ["message"], ct));
            // The SUB must be at the server before any client sends.
            await workers[w].FlushAsync(ct);
        }
    }

    ValueTask OnEvent(int worker, ClientEvent e)
    {
        var now = Stopwatch.GetTimestamp();
        if (e.KindCase != ClientEvent.KindOneofCase.Message || !PayloadCodec.TryRead(e.Message.Data.Span, out var sender, out var counter, out var sentAt))
        {
            Ledger.Unreadable();
            return ValueTask.CompletedTask;
        }
        if (_eventBytes == 0) Volatile.Write(ref _eventBytes, e.CalculateSize());
        // Recorded before the ledger counts it: once the ledger has every message, every latency is in.
        Latencies.Add(worker, now - sentAt);
        if (Ledger.Record(worker, sender, counter, (long)e.Seq)) _credits[sender].Release();
        return ValueTask.CompletedTask;
    }

    public Task SendAsync(CancellationToken stop, CancellationToken abort) =>
        Task.WhenAll(_clients.Select(c => Task.Run(() => SendLoopAsync(c, stop, abort), abort)));

    async Task SendLoopAsync(WsClient client, CancellationToken stop, CancellationToken abort)
    {
        var prefix = Encoding.UTF8.GetBytes("{\"type\":\"send\",\"event\":\"bench\",\"data\":\"");
        var suffix = "\"}"u8.ToArray();
        var frame = new byte[prefix.Length + _options.PayloadBytes + suffix.Length];
        prefix.CopyTo(frame);
        suffix.CopyTo(frame.AsSpan(frame.Length - suffix.Length));
        var credits = _credits[client.Index];
        while (true)
        {
            try
            {
                await credits.WaitAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            var counter = Ledger.Next(client.Index);
            PayloadCodec.Write(frame.AsSpan(prefix.Length, _options.PayloadBytes), client.Index, counter, Stopwatch.GetTimestamp());
            // Only the run's abort cancels a send: cancelling a WebSocket send tears the socket down.
            await client.SendAsync(frame, abort);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _consumers) await c.DisposeAsync();
    }
}
