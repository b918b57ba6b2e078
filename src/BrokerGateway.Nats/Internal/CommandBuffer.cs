using System.Buffers;

namespace BrokerGateway.Nats.Internal;

/// <summary>
/// A growable byte buffer on pooled arrays that protocol commands are written into. Not thread-safe:
/// the command writer guards it with its lock.
/// </summary>
sealed class CommandBuffer : IBufferWriter<byte>
{
    const int MinimumSize = 4096;
    byte[] _array;
    int _length;

    public CommandBuffer(int initialSize = MinimumSize) => _array = ArrayPool<byte>.Shared.Rent(Math.Max(initialSize, MinimumSize));

    public int Length => _length;
    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, _length);
    public Span<byte> WrittenSpan => _array.AsSpan(0, _length);

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_array.Length - _length)) throw new ArgumentOutOfRangeException(nameof(count));
        _length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _array.AsSpan(_length);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_array.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>Forgets everything written after <paramref name="length"/> (undo of a write that must not stay).</summary>
    public void Truncate(int length)
    {
        if ((uint)length > (uint)_length) throw new ArgumentOutOfRangeException(nameof(length));
        _length = length;
    }

    /// <summary>Empties the buffer; an array grown past <paramref name="keepAtMost"/> bytes goes back to the pool.</summary>
    public void Reset(int keepAtMost)
    {
        _length = 0;
        if (_array.Length > keepAtMost)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = ArrayPool<byte>.Shared.Rent(MinimumSize);
        }
    }

    void Ensure(int sizeHint)
    {
        if (sizeHint < 1) sizeHint = 1;
        if (_array.Length - _length >= sizeHint) return;
        var size = Math.Max(_array.Length * 2L, (long)_length + sizeHint);
        if (size > Array.MaxLength) size = (long)_length + sizeHint;
        var next = ArrayPool<byte>.Shared.Rent(checked((int)size));
        _array.AsSpan(0, _length).CopyTo(next);
        ArrayPool<byte>.Shared.Return(_array);
        _array = next;
    }
}
