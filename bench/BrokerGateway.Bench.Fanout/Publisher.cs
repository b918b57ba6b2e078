using System.Diagnostics;
using BrokerGateway.Nats;

namespace BrokerGateway.Bench.Fanout;

/// <summary>
/// The backend: one NATS connection publishing plain pushes on <c>bgw.default.room.&lt;room&gt;</c>
/// (DESIGN §4, "A plain publish is a push"), round-robin over the rooms, never more than the window in flight.
/// </summary>
public sealed class Publisher : IAsyncDisposable
{
    readonly NatsConnection _nats;
    string[] _subjects;
    readonly byte[] _payload;
    int _nextSeq;

    Publisher(NatsConnection nats, int rooms, int payloadBytes)
    {
        _nats = nats;
        _subjects = Subjects(rooms);
        _payload = new byte[payloadBytes];
    }

    static string[] Subjects(int rooms) => Enumerable.Range(0, rooms).Select(r => $"bgw.default.room.r{r}").ToArray();

    public static async Task<Publisher> ConnectAsync(string url, int rooms, int payloadBytes, CancellationToken ct)
    {
        var nats = new NatsConnection(new NatsOptions { Servers = [url], Name = "bench-fanout-publisher" });
        await nats.ConnectAsync(ct);
        return new Publisher(nats, rooms, payloadBytes);
    }

    /// <summary>Sequence number the next run starts at; every run has its own, so a late push is told apart.</summary>
    public int NextSeq => _nextSeq;

    /// <summary>
    /// Publishes the ledger's pushes, waiting for a free window slot before each, then waits until all are
    /// complete or <paramref name="timeout"/> passes. Returns the timestamp of the first publish.
    /// </summary>
    public async Task<long> RunAsync(DeliveryLedger ledger, int rooms, TimeSpan timeout, CancellationToken ct)
    {
        if (rooms > _subjects.Length) _subjects = Subjects(rooms);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        long first = 0;
        try
        {
            for (var i = 0; i < ledger.Messages; i++)
            {
                await ledger.WaitForSlotAsync(limit.Token);
                var seq = _nextSeq++;
                var now = Stopwatch.GetTimestamp();
                if (i == 0) first = now;
                PushPayload.Write(_payload, seq, now);
                await _nats.PublishAsync(_subjects[DeliveryLedger.RoomOf(seq, rooms)], _payload, cancellationToken: limit.Token);
            }
            await ledger.AllComplete.WaitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Timed out: what has not arrived by now counts as lost. Skip the rest so sequence numbers stay apart.
            _nextSeq = ledger.FirstSeq + ledger.Messages;
        }
        return first;
    }

    public ValueTask DisposeAsync() => _nats.DisposeAsync();
}
