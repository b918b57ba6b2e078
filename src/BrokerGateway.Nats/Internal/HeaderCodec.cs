using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace BrokerGateway.Nats.Internal;

/// <summary>
/// The header block of HPUB/HMSG (digest §2): <c>NATS/1.0[ code[ description]]\r\n</c>, then <c>Key: value\r\n</c>
/// per line, then <c>\r\n</c>. The length is computed first because HPUB announces it before the block.
/// </summary>
static class HeaderCodec
{
    static ReadOnlySpan<byte> Version => "NATS/1.0"u8;
    static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    public static int GetEncodedLength(NatsHeaders headers)
    {
        var length = Version.Length + 2 + 2;
        if (headers.StatusCode is { } code)
        {
            length += 1 + CountDigits(code);
            if (!string.IsNullOrEmpty(headers.StatusDescription)) length += 1 + Encoding.UTF8.GetByteCount(headers.StatusDescription);
        }
        foreach (var (key, value) in headers.Lines)
            length += Encoding.UTF8.GetByteCount(key) + 2 + Encoding.UTF8.GetByteCount(value) + 2;
        return length;
    }

    /// <summary>Writes exactly <paramref name="encodedLength"/> bytes (from <see cref="GetEncodedLength"/>).</summary>
    public static void Write(IBufferWriter<byte> output, NatsHeaders headers, int encodedLength)
    {
        var span = output.GetSpan(encodedLength);
        var n = 0;
        Version.CopyTo(span);
        n += Version.Length;
        if (headers.StatusCode is { } code)
        {
            span[n++] = (byte)' ';
            Utf8Formatter.TryFormat(code, span[n..], out var w);
            n += w;
            if (!string.IsNullOrEmpty(headers.StatusDescription))
            {
                span[n++] = (byte)' ';
                n += Encoding.UTF8.GetBytes(headers.StatusDescription, span[n..]);
            }
        }
        Crlf.CopyTo(span[n..]);
        n += 2;
        foreach (var (key, value) in headers.Lines)
        {
            n += Encoding.UTF8.GetBytes(key, span[n..]);
            span[n++] = (byte)':';
            span[n++] = (byte)' ';
            n += Encoding.UTF8.GetBytes(value, span[n..]);
            Crlf.CopyTo(span[n..]);
            n += 2;
        }
        Crlf.CopyTo(span[n..]);
        n += 2;
        output.Advance(n);
    }

    /// <summary>
    /// Reads a received header block. The block's framing was already checked by its byte count; its content is
    /// another client's, so lines that are not <c>key: value</c> are skipped rather than failing the connection.
    /// </summary>
    /// <exception cref="NatsProtocolException">The block does not start with <c>NATS/</c>.</exception>
    public static NatsHeaders Parse(ReadOnlySpan<byte> block)
    {
        var headers = new NatsHeaders();
        var lineEnd = block.IndexOf(Crlf);
        var first = lineEnd < 0 ? block : block[..lineEnd];
        if (!first.StartsWith("NATS/"u8)) throw new NatsProtocolException("header block does not start with NATS/");
        var space = first.IndexOfAny((byte)' ', (byte)'\t');
        if (space > 0)
        {
            var rest = Trim(first[(space + 1)..]);
            var codeEnd = rest.IndexOfAny((byte)' ', (byte)'\t');
            var codeText = codeEnd < 0 ? rest : rest[..codeEnd];
            if (codeText.Length == 3 && Utf8Parser.TryParse(codeText, out int code, out var used) && used == 3)
            {
                headers.StatusCode = code;
                if (codeEnd > 0 && Trim(rest[codeEnd..]) is { Length: > 0 } description)
                    headers.StatusDescription = Encoding.UTF8.GetString(description);
            }
        }
        if (lineEnd < 0) return headers;
        var remaining = block[(lineEnd + 2)..];
        while (remaining.Length > 0)
        {
            var end = remaining.IndexOf(Crlf);
            var line = end < 0 ? remaining : remaining[..end];
            remaining = end < 0 ? default : remaining[(end + 2)..];
            if (line.IsEmpty) break;
            var colon = line.IndexOf((byte)':');
            // A bare CR or LF would travel on if the message is relayed, and split the line for a lenient reader.
            if (colon <= 0 || line.IndexOfAny((byte)'\r', (byte)'\n') >= 0) continue;
            headers.AddReceived(Encoding.UTF8.GetString(line[..colon]), Encoding.UTF8.GetString(Trim(line[(colon + 1)..])));
        }
        return headers;
    }

    static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s) => s.Trim(" \t"u8);

    static int CountDigits(int value)
    {
        var digits = value < 0 ? 2 : 1;
        for (var v = Math.Abs((long)value); v >= 10; v /= 10) digits++;
        return digits;
    }
}
