using System.Diagnostics;

namespace BrokerGateway.Bench.Fanout;

/// <summary>
/// What one run expects and what arrived: for each push, how many room members still miss it; for each
/// client, which pushes it has seen (so a second copy counts as a duplicate); every delivery's latency.
/// A push is complete when its last member has it, which frees its slot in the publisher's window.
/// Receive loops of all clients call <see cref="Record"/> at once: everything here is lock-free.
/// </summary>
public sealed class DeliveryLedger
{
    readonly int _firstSeq;
    readonly int _rooms;
    readonly int[] _missing;
    readonly ulong[][] _seen;
    readonly long[] _latencyTicks;
    readonly SemaphoreSlim _window;
    readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int _latencyCount, _completed;
    long _duplicates, _stray, _misrouted, _lastCompletion;

    /// <param name="firstSeq">Sequence number of this run's first push; its pushes are firstSeq … firstSeq + messages − 1.</param>
    /// <param name="membersOfRoom">Members of each room, so the ledger knows how many deliveries a push owes.</param>
    public DeliveryLedger(int firstSeq, int messages, int rooms, int[] membersOfRoom, int clients, int window)
    {
        _firstSeq = firstSeq;
        _rooms = rooms;
        Messages = messages;
        _missing = new int[messages];
        for (var i = 0; i < messages; i++) _missing[i] = membersOfRoom[RoomOf(firstSeq + i, rooms)];
        Expected = _missing.Sum(m => (long)m);
        _seen = new ulong[clients][];
        var words = (messages + 63) / 64;
        for (var c = 0; c < clients; c++) _seen[c] = new ulong[words];
        _latencyTicks = new long[Expected];
        _window = new SemaphoreSlim(window, window);
    }

    public int FirstSeq => _firstSeq;
    public int Messages { get; }
    public long Expected { get; }

    /// <summary>Pushes go round-robin over the rooms: push <paramref name="seq"/> is for this room.</summary>
    public static int RoomOf(int seq, int rooms) => seq % rooms;

    /// <summary>The publisher waits here for a free slot in the window.</summary>
    public Task WaitForSlotAsync(CancellationToken ct) => _window.WaitAsync(ct);

    /// <summary>Completes when every push of the run has reached every member of its room.</summary>
    public Task AllComplete => _done.Task;

    public long LastCompletionTimestamp => Interlocked.Read(ref _lastCompletion);
    public int Completed => Volatile.Read(ref _completed);
    public long Received => Math.Min(Volatile.Read(ref _latencyCount), _latencyTicks.Length);
    public long Duplicates => Interlocked.Read(ref _duplicates);
    /// <summary>Pushes from outside this run (a late copy of an earlier run's push).</summary>
    public long Stray => Interlocked.Read(ref _stray);
    /// <summary>Pushes a client got for a room it is not in.</summary>
    public long Misrouted => Interlocked.Read(ref _misrouted);
    public long Lost => Expected - Received;

    /// <summary>One push frame arrived at client <paramref name="client"/> (in <paramref name="room"/>) at <paramref name="now"/>.</summary>
    public void Record(int client, int room, int seq, long sent, long now)
    {
        var i = seq - _firstSeq;
        if ((uint)i >= (uint)Messages) { Interlocked.Increment(ref _stray); return; }
        if (RoomOf(seq, _rooms) != room) { Interlocked.Increment(ref _misrouted); return; }
        ref var word = ref _seen[client][i >> 6];
        var bit = 1UL << (i & 63);
        // Only this client's receive loop writes its words, but the loop may hop threads: keep it atomic.
        if ((Interlocked.Or(ref word, bit) & bit) != 0) { Interlocked.Increment(ref _duplicates); return; }

        var slot = Interlocked.Increment(ref _latencyCount) - 1;
        if (slot < _latencyTicks.Length) _latencyTicks[slot] = now - sent;
        if (Interlocked.Decrement(ref _missing[i]) == 0)
        {
            Interlocked.Exchange(ref _lastCompletion, now);
            _window.Release();
            if (Interlocked.Increment(ref _completed) == Messages) _done.TrySetResult();
        }
    }

    /// <summary>Latencies of the deliveries recorded so far, in microseconds, sorted.</summary>
    public double[] SortedLatenciesMicros()
    {
        var n = (int)Received;
        var micros = new double[n];
        for (var i = 0; i < n; i++) micros[i] = _latencyTicks[i] * 1e6 / Stopwatch.Frequency;
        Array.Sort(micros);
        return micros;
    }
}
