using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace BrokerGateway.Core.Fanout;

/// <summary>
/// Remembers the last <c>capacity</c> message ids, so a push published twice with the same
/// <c>Bgw-Msg-Id</c> (a retrying backend) reaches each socket once.
/// <para>
/// Ids are kept as 128 bits of their SHA-256, not as the strings: a backend's ids may be as long as a
/// header allows, and the cache stays the same size whatever they are (16 bytes an id, about 0.7 MiB at
/// the default capacity). Two different ids share a key with odds of 2^-64 even after 2^32 ids.
/// </para>
/// </summary>
public sealed class RecentIds(int capacity = 16_384)
{
    readonly HashSet<UInt128> _seen = [];
    readonly Queue<UInt128> _order = new();

    /// <summary>True the first time an id is seen, false for a repeat.</summary>
    public bool TryAdd(string id)
    {
        var key = Key(id);
        lock (_seen)
        {
            if (!_seen.Add(key)) return false;
            _order.Enqueue(key);
            if (_order.Count > capacity) _seen.Remove(_order.Dequeue());
            return true;
        }
    }

    static UInt128 Key(string id)
    {
        var length = Encoding.UTF8.GetMaxByteCount(id.Length);
        var rented = length > 512 ? ArrayPool<byte>.Shared.Rent(length) : null;
        try
        {
            Span<byte> utf8 = rented ?? stackalloc byte[512];
            var written = Encoding.UTF8.GetBytes(id, utf8);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(utf8[..written], hash);
            return BinaryPrimitives.ReadUInt128LittleEndian(hash);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
