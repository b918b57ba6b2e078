using System.Buffers.Text;

namespace BrokerGateway.Bench.Uplink;

/// <summary>
/// What each message carries so a worker can account for it: the sender, the sender's counter and the send
/// time, as fixed-width ASCII digits (it travels inside a JSON string through the gateway), padded to the
/// payload size with <c>x</c>. The time is <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>:
/// monotonic, and the senders and workers share this process.
/// </summary>
public static class PayloadCodec
{
    const int SenderDigits = 6, CounterDigits = 12, TimeDigits = 19;
    public const int MinBytes = SenderDigits + CounterDigits + TimeDigits;

    public static void Write(Span<byte> destination, int sender, long counter, long timestamp)
    {
        Digits(destination[..SenderDigits], sender);
        Digits(destination.Slice(SenderDigits, CounterDigits), counter);
        Digits(destination.Slice(SenderDigits + CounterDigits, TimeDigits), timestamp);
        destination[MinBytes..].Fill((byte)'x');
    }

    public static bool TryRead(ReadOnlySpan<byte> payload, out int sender, out long counter, out long timestamp)
    {
        sender = 0;
        counter = timestamp = 0;
        return payload.Length >= MinBytes
            && Utf8Parser.TryParse(payload[..SenderDigits], out sender, out var a) && a == SenderDigits
            && Utf8Parser.TryParse(payload.Slice(SenderDigits, CounterDigits), out counter, out var b) && b == CounterDigits
            && Utf8Parser.TryParse(payload.Slice(SenderDigits + CounterDigits, TimeDigits), out timestamp, out var c) && c == TimeDigits;
    }

    static void Digits(Span<byte> destination, long value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }
}
