namespace BrokerGateway.Core.Fanout;

/// <summary>
/// Remembers the last <c>capacity</c> message ids, so a push published twice with the same
/// <c>Bgw-Msg-Id</c> (a retrying backend) reaches each socket once.
/// </summary>
public sealed class RecentIds(int capacity = 16_384)
{
    readonly HashSet<string> _seen = [];
    readonly Queue<string> _order = new();

    /// <summary>True the first time an id is seen, false for a repeat.</summary>
    public bool TryAdd(string id)
    {
        lock (_seen)
        {
            if (!_seen.Add(id)) return false;
            _order.Enqueue(id);
            if (_order.Count > capacity) _seen.Remove(_order.Dequeue());
            return true;
        }
    }
}
