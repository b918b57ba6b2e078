using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace BrokerGateway.Nats.Internal;

/// <summary>
/// Client → server commands written straight into a buffer, verbs pre-encoded (digest §2). Each method reserves
/// the largest size the command can take, writes, then advances by what it used: one bounds check per command.
/// </summary>
static class ProtocolWriter
{
    static ReadOnlySpan<byte> Pub => "PUB "u8;
    static ReadOnlySpan<byte> Hpub => "HPUB "u8;
    static ReadOnlySpan<byte> Sub => "SUB "u8;
    static ReadOnlySpan<byte> Unsub => "UNSUB "u8;
    static ReadOnlySpan<byte> Connect => "CONNECT "u8;
    static ReadOnlySpan<byte> Crlf => "\r\n"u8;
    public static ReadOnlySpan<byte> Ping => "PING\r\n"u8;
    public static ReadOnlySpan<byte> Pong => "PONG\r\n"u8;

    /// <summary><c>PUB &lt;subject&gt; [reply] &lt;#bytes&gt;\r\n&lt;payload&gt;\r\n</c></summary>
    public static void WritePub(IBufferWriter<byte> output, string subject, string? replyTo, ReadOnlySpan<byte> payload)
    {
        var max = Pub.Length + MaxBytes(subject) + 1 + (replyTo is null ? 0 : MaxBytes(replyTo) + 1) + 10 + 2 + payload.Length + 2;
        var span = output.GetSpan(max);
        Pub.CopyTo(span);
        var n = Pub.Length;
        n += WriteSubjectAndReply(span[n..], subject, replyTo);
        n += WriteNumber(span[n..], payload.Length);
        Crlf.CopyTo(span[n..]);
        n += 2;
        payload.CopyTo(span[n..]);
        n += payload.Length;
        Crlf.CopyTo(span[n..]);
        output.Advance(n + 2);
    }

    /// <summary><c>HPUB &lt;subject&gt; [reply] &lt;#header bytes&gt; &lt;#total bytes&gt;\r\n&lt;headers&gt;&lt;payload&gt;\r\n</c></summary>
    public static void WriteHpub(IBufferWriter<byte> output, string subject, string? replyTo, NatsHeaders headers, int headerLength, ReadOnlySpan<byte> payload)
    {
        var max = Hpub.Length + MaxBytes(subject) + 1 + (replyTo is null ? 0 : MaxBytes(replyTo) + 1) + 10 + 1 + 10 + 2;
        var span = output.GetSpan(max);
        Hpub.CopyTo(span);
        var n = Hpub.Length;
        n += WriteSubjectAndReply(span[n..], subject, replyTo);
        n += WriteNumber(span[n..], headerLength);
        span[n++] = (byte)' ';
        n += WriteNumber(span[n..], headerLength + payload.Length);
        Crlf.CopyTo(span[n..]);
        output.Advance(n + 2);
        HeaderCodec.Write(output, headers, headerLength);
        span = output.GetSpan(payload.Length + 2);
        payload.CopyTo(span);
        Crlf.CopyTo(span[payload.Length..]);
        output.Advance(payload.Length + 2);
    }

    /// <summary><c>SUB &lt;subject&gt; [queue group] &lt;sid&gt;\r\n</c></summary>
    public static void WriteSub(IBufferWriter<byte> output, string subject, string? queueGroup, long sid)
    {
        var max = Sub.Length + MaxBytes(subject) + 1 + (queueGroup is null ? 0 : MaxBytes(queueGroup) + 1) + 20 + 2;
        var span = output.GetSpan(max);
        Sub.CopyTo(span);
        var n = Sub.Length;
        n += WriteSubjectAndReply(span[n..], subject, queueGroup);
        n += WriteNumber(span[n..], sid);
        Crlf.CopyTo(span[n..]);
        output.Advance(n + 2);
    }

    /// <summary><c>UNSUB &lt;sid&gt; [max_msgs]\r\n</c></summary>
    public static void WriteUnsub(IBufferWriter<byte> output, long sid, long? maxMessages)
    {
        var span = output.GetSpan(Unsub.Length + 20 + 1 + 20 + 2);
        Unsub.CopyTo(span);
        var n = Unsub.Length;
        n += WriteNumber(span[n..], sid);
        if (maxMessages is { } max)
        {
            span[n++] = (byte)' ';
            n += WriteNumber(span[n..], max);
        }
        Crlf.CopyTo(span[n..]);
        output.Advance(n + 2);
    }

    /// <summary><c>CONNECT {json}\r\n</c></summary>
    public static void WriteConnect(IBufferWriter<byte> output, ReadOnlySpan<byte> json)
    {
        var span = output.GetSpan(Connect.Length + json.Length + 2);
        Connect.CopyTo(span);
        json.CopyTo(span[Connect.Length..]);
        Crlf.CopyTo(span[(Connect.Length + json.Length)..]);
        output.Advance(Connect.Length + json.Length + 2);
    }

    static int WriteSubjectAndReply(Span<byte> span, string subject, string? second)
    {
        var n = Encoding.UTF8.GetBytes(subject, span);
        span[n++] = (byte)' ';
        if (second is not null)
        {
            n += Encoding.UTF8.GetBytes(second, span[n..]);
            span[n++] = (byte)' ';
        }
        return n;
    }

    static int WriteNumber(Span<byte> span, long value)
    {
        Utf8Formatter.TryFormat(value, span, out var written);
        return written;
    }

    static int MaxBytes(string s) => Encoding.UTF8.GetMaxByteCount(s.Length);
}
