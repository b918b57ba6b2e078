using System.Buffers.Text;

namespace BrokerGateway.Nats.Internal;

/// <summary>
/// Parses server → client commands (digest §1, §2): a control line ending in CRLF, and for MSG/HMSG exactly the
/// announced number of bytes followed by CRLF. The byte count is authoritative: payloads may contain CRLF.
/// Anything else is a <see cref="NatsProtocolException"/> — the connection is then replaced, never left out of step.
/// </summary>
static class ProtocolParser
{
    /// <summary>The server's control line limit (nats-server const.go MAX_CONTROL_LINE_SIZE, digest §1).</summary>
    public const int MaxControlLine = 4096;

    /// <summary>
    /// Largest message size believed: nats-server refuses to configure max_payload above 64 MiB, so a bigger
    /// count is corruption, and believing it would allocate a huge buffer.
    /// </summary>
    public const int MaxMessageSize = 64 * 1024 * 1024;

    /// <summary>
    /// Tries to parse one command at the start of <paramref name="buffer"/>. False when more bytes are needed;
    /// then <paramref name="needed"/> is the frame's full size if known (a MSG whose payload is incomplete), else 0.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out ServerOp op, out int consumed, out int needed)
    {
        op = default;
        consumed = 0;
        needed = 0;
        var lf = buffer[..Math.Min(buffer.Length, MaxControlLine + 2)].IndexOf((byte)'\n');
        if (lf < 0)
        {
            if (buffer.Length >= MaxControlLine + 2) throw Error("control line longer than 4096 bytes");
            return false;
        }
        if (lf == 0 || buffer[lf - 1] != '\r') throw Error("control line not ended by CRLF", buffer[..lf]);
        var line = buffer[..(lf - 1)];
        var afterLine = lf + 1;
        switch (line.IsEmpty ? 0 : line[0] | 0x20)
        {
            case 'm' when IsVerb(line, "msg"u8):
                return ParseMsg(buffer, line, 3, afterLine, headers: false, out op, out consumed, out needed);
            case 'h' when IsVerb(line, "hmsg"u8):
                return ParseMsg(buffer, line, 4, afterLine, headers: true, out op, out consumed, out needed);
            case 'p' when IsBare(line, "ping"u8):
                op = new ServerOp(ServerOpKind.Ping);
                break;
            case 'p' when IsBare(line, "pong"u8):
                op = new ServerOp(ServerOpKind.Pong);
                break;
            case '+' when IsBare(line, "+ok"u8):
                op = new ServerOp(ServerOpKind.Ok);
                break;
            case '-' when IsVerb(line, "-err"u8):
                op = WithArg(ServerOpKind.Err, line, 4);
                break;
            case 'i' when IsVerb(line, "info"u8):
                op = WithArg(ServerOpKind.Info, line, 4);
                if (op.ArgLength == 0) throw Error("INFO without JSON", line);
                break;
            default:
                throw Error("unknown operation", line);
        }
        consumed = afterLine;
        return true;
    }

    static bool ParseMsg(ReadOnlySpan<byte> buffer, ReadOnlySpan<byte> line, int verbLength, int afterLine, bool headers,
        out ServerOp op, out int consumed, out int needed)
    {
        op = default;
        consumed = 0;
        needed = 0;
        Span<int> starts = stackalloc int[6];
        Span<int> lengths = stackalloc int[6];
        var count = Split(line, verbLength, starts, lengths);
        var minArgs = headers ? 4 : 3;
        if (count < minArgs || count > minArgs + 1)
            throw Error($"{(headers ? "HMSG" : "MSG")} with {count} arguments", line);
        var sid = ParseNumber(line.Slice(starts[1], lengths[1]), "sid", line);
        var hasReply = count == minArgs + 1;
        var sizeIndex = hasReply ? 3 : 2;
        int headerLength = 0, total;
        if (headers)
        {
            headerLength = (int)ParseNumber(line.Slice(starts[sizeIndex], lengths[sizeIndex]), "header size", line);
            total = (int)ParseNumber(line.Slice(starts[sizeIndex + 1], lengths[sizeIndex + 1]), "total size", line);
            if (headerLength > total) throw Error("header size larger than total size", line);
        }
        else
        {
            total = (int)ParseNumber(line.Slice(starts[sizeIndex], lengths[sizeIndex]), "size", line);
        }
        if (total > MaxMessageSize) throw Error($"message size {total} exceeds {MaxMessageSize}", line);
        var frame = afterLine + total + 2;
        if (buffer.Length < frame)
        {
            needed = frame;
            return false;
        }
        if (buffer[afterLine + total] != '\r' || buffer[afterLine + total + 1] != '\n')
            throw Error("message payload not followed by CRLF (wrong byte count)", line);
        op = new ServerOp(headers ? ServerOpKind.HMsg : ServerOpKind.Msg)
        {
            SubjectStart = starts[0],
            SubjectLength = lengths[0],
            Sid = sid,
            ReplyStart = hasReply ? starts[2] : -1,
            ReplyLength = hasReply ? lengths[2] : 0,
            HeaderLength = headerLength,
            TotalLength = total,
            PayloadStart = afterLine,
        };
        consumed = frame;
        return true;
    }

    /// <summary>Splits arguments on runs of spaces and tabs (digest §1); returns how many, up to the span sizes + 1.</summary>
    static int Split(ReadOnlySpan<byte> line, int from, Span<int> starts, Span<int> lengths)
    {
        var count = 0;
        var i = from;
        while (i < line.Length)
        {
            while (i < line.Length && line[i] is (byte)' ' or (byte)'\t') i++;
            if (i == line.Length) break;
            var start = i;
            while (i < line.Length && line[i] is not ((byte)' ' or (byte)'\t')) i++;
            if (count == starts.Length) return count + 1;
            starts[count] = start;
            lengths[count] = i - start;
            count++;
        }
        return count;
    }

    static long ParseNumber(ReadOnlySpan<byte> text, string what, ReadOnlySpan<byte> line)
    {
        if (text.Length is 0 or > 18 || !Utf8Parser.TryParse(text, out long value, out var used) || used != text.Length || value < 0)
            throw Error($"{what} is not a number", line);
        if (what != "sid" && value > int.MaxValue) throw Error($"{what} out of range", line);
        return value;
    }

    /// <summary>The verb, case-insensitive (digest §1), followed by a space or tab.</summary>
    static bool IsVerb(ReadOnlySpan<byte> line, ReadOnlySpan<byte> verb) =>
        line.Length > verb.Length && line[verb.Length] is (byte)' ' or (byte)'\t' && EqualsIgnoreCase(line[..verb.Length], verb);

    /// <summary>The verb alone, trailing blanks allowed.</summary>
    static bool IsBare(ReadOnlySpan<byte> line, ReadOnlySpan<byte> verb) =>
        line.Length >= verb.Length && EqualsIgnoreCase(line[..verb.Length], verb) && line[verb.Length..].Trim(" \t"u8).IsEmpty;

    static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> lowerB)
    {
        for (var i = 0; i < a.Length; i++)
            if ((a[i] | 0x20) != lowerB[i]) return false;
        return true;
    }

    static ServerOp WithArg(ServerOpKind kind, ReadOnlySpan<byte> line, int verbLength)
    {
        var start = verbLength;
        var end = line.Length;
        while (start < end && line[start] is (byte)' ' or (byte)'\t') start++;
        while (end > start && line[end - 1] is (byte)' ' or (byte)'\t') end--;
        return new ServerOp(kind) { ArgStart = start, ArgLength = end - start };
    }

    static NatsProtocolException Error(string problem) => new($"protocol error: {problem}");

    static NatsProtocolException Error(string problem, ReadOnlySpan<byte> line)
    {
        var shown = line.Length > 120 ? line[..120] : line;
        var text = System.Text.Encoding.ASCII.GetString(shown).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        return new($"protocol error: {problem} in '{text}{(line.Length > 120 ? "…" : "")}'");
    }
}
