using System.Buffers.Text;

namespace BrokerGateway.Bench.Fanout;

/// <summary>
/// The bytes a push carries: <c>{"s":SEQ,"t":SENT,"p":"xx…"}</c>, padded to the wanted size. It is JSON,
/// so the gateway embeds it as the push's <c>data</c> as it is (docs/protocol.md, "Gateway → client"),
/// and a client finds it again with one byte search. <c>SENT</c> is <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>,
/// CLOCK_MONOTONIC on Linux, so the publisher's and the receiver's clocks agree (they are one process here).
/// </summary>
public static class PushPayload
{
    /// <summary>The longest unpadded form (10-digit sequence, 19-digit timestamp) and one pad byte.</summary>
    public const int MinimumBytes = 48;

    static ReadOnlySpan<byte> Start => "{\"s\":"u8;
    static ReadOnlySpan<byte> Time => ",\"t\":"u8;
    static ReadOnlySpan<byte> Pad => ",\"p\":\""u8;

    /// <summary>Writes the payload for <paramref name="seq"/> sent at <paramref name="sent"/> into <paramref name="buffer"/> (its whole length).</summary>
    public static void Write(Span<byte> buffer, int seq, long sent)
    {
        var n = 0;
        Start.CopyTo(buffer); n += Start.Length;
        Utf8Formatter.TryFormat(seq, buffer[n..], out var w); n += w;
        Time.CopyTo(buffer[n..]); n += Time.Length;
        Utf8Formatter.TryFormat(sent, buffer[n..], out w); n += w;
        Pad.CopyTo(buffer[n..]); n += Pad.Length;
        var end = buffer.Length - 2;
        buffer[n..end].Fill((byte)'x');
        buffer[end] = (byte)'"';
        buffer[end + 1] = (byte)'}';
    }

    /// <summary>Finds a payload inside a push frame; false for any other frame (welcome, presence …).</summary>
    public static bool TryRead(ReadOnlySpan<byte> frame, out int seq, out long sent)
    {
        seq = 0;
        sent = 0;
        var at = frame.IndexOf(Start);
        if (at < 0) return false;
        var rest = frame[(at + Start.Length)..];
        if (!Utf8Parser.TryParse(rest, out seq, out var used)) return false;
        rest = rest[used..];
        if (!rest.StartsWith(Time)) return false;
        return Utf8Parser.TryParse(rest[Time.Length..], out sent, out _);
    }
}
