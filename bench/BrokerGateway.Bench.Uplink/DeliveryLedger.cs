namespace BrokerGateway.Bench.Uplink;

/// <summary>
/// Exactly-once accounting of one side's messages. Each sender numbers its messages 1, 2, 3 …; each worker
/// reports what it received. A counter seen twice (by one worker or by both) is a duplicate; one never seen
/// after the drain is a loss; a worker that sees a sender's counter or sequence go backwards is out of
/// order (docs/events.md: each worker of a queue group sees its share of a connection's events in seq order).
/// </summary>
public sealed class DeliveryLedger(int senders, int workers)
{
    readonly Sender[] _senders = Enumerable.Range(0, senders).Select(_ => new Sender(workers)).ToArray();
    long _received, _duplicates, _outOfOrder, _unreadable;

    public int Senders => _senders.Length;

    /// <summary>The sender's next counter. Each sender calls it from its one loop.</summary>
    public long Next(int sender) => Interlocked.Increment(ref _senders[sender].Sent);

    /// <summary>A worker received <paramref name="counter"/> of <paramref name="sender"/>, with the gateway's <paramref name="seq"/>.</summary>
    /// <returns>True when the message is new: not a duplicate, and one of ours (a known sender, a counter it sent).</returns>
    public bool Record(int worker, int sender, long counter, long seq)
    {
        if ((uint)sender >= (uint)_senders.Length || counter < 1 || counter > Volatile.Read(ref _senders[sender].Sent))
        {
            Interlocked.Increment(ref _unreadable);
            return false;
        }
        var s = _senders[sender];
        lock (s)
        {
            if (counter <= s.LastCounter[worker] || seq <= s.LastSeq[worker]) Interlocked.Increment(ref _outOfOrder);
            s.LastCounter[worker] = counter;
            s.LastSeq[worker] = seq;
            if (!s.Seen.Add(counter))
            {
                Interlocked.Increment(ref _duplicates);
                return false;
            }
        }
        Interlocked.Increment(ref _received);
        return true;
    }

    /// <summary>A worker got a message it could not read at all.</summary>
    public void Unreadable() => Interlocked.Increment(ref _unreadable);

    public long Sent => _senders.Sum(s => Volatile.Read(ref s.Sent));

    /// <summary>Distinct messages received so far.</summary>
    public long Received => Interlocked.Read(ref _received);

    public DeliveryCheck Check()
    {
        var sent = Sent;
        var received = Received;
        return new DeliveryCheck(sent, received, sent - received, Interlocked.Read(ref _duplicates),
            Interlocked.Read(ref _outOfOrder), Interlocked.Read(ref _unreadable));
    }

    sealed class Sender(int workers)
    {
        public long Sent;
        public readonly BitSet Seen = new();
        public readonly long[] LastCounter = new long[workers];
        public readonly long[] LastSeq = new long[workers];
    }
}

/// <summary>Counters 1, 2, 3 … as bits: a sender's counters are dense, so this is a bit per message sent.</summary>
sealed class BitSet
{
    ulong[] _words = new ulong[64];

    /// <summary>Sets the bit; false when it was already set.</summary>
    public bool Add(long index)
    {
        var word = (int)(index >> 6);
        if (word >= _words.Length) Array.Resize(ref _words, Math.Max(word + 1, _words.Length * 2));
        var mask = 1UL << (int)(index & 63);
        if ((_words[word] & mask) != 0) return false;
        _words[word] |= mask;
        return true;
    }
}

/// <summary>The outcome of a <see cref="DeliveryLedger"/>: all zero but sent and received means exactly once, in order.</summary>
public readonly record struct DeliveryCheck(long Sent, long Received, long Lost, long Duplicates, long OutOfOrder, long Unreadable)
{
    public bool ExactlyOnceInOrder => Lost == 0 && Duplicates == 0 && OutOfOrder == 0 && Unreadable == 0;
}
