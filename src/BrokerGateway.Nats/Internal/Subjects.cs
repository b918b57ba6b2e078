using System.Buffers;
using System.Text;

namespace BrokerGateway.Nats.Internal;

/// <summary>
/// Subject rules (digest §7): tokens split on '.', none empty, no whitespace or control characters;
/// '*' and '>' are wildcards only as whole tokens, '>' only last, and never in a publish subject.
/// A non-pedantic server accepts some bad subjects silently, so the client checks them and fails fast.
/// </summary>
static class Subjects
{
    /// <summary>
    /// Longest subject or reply subject, in UTF-8 bytes. The server refuses control lines over 4096 bytes
    /// (digest §1), and a MSG line carries subject, reply and three numbers.
    /// </summary>
    public const int MaxBytes = 2000;

    static readonly SearchValues<char> Forbidden = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f \u007f");

    public static bool IsValidPublishSubject(string subject) => Check(subject, allowWildcards: false) is null;

    public static bool IsValidSubscribeSubject(string subject) => Check(subject, allowWildcards: true) is null;

    public static void ValidatePublish(string subject, string what = "publish subject")
    {
        if (Check(subject, allowWildcards: false) is { } problem)
            throw new NatsSubjectException($"invalid {what} '{Printable(subject)}': {problem}");
    }

    public static void ValidateSubscribe(string subject)
    {
        if (Check(subject, allowWildcards: true) is { } problem)
            throw new NatsSubjectException($"invalid subscribe subject '{Printable(subject)}': {problem}");
    }

    public static void ValidateQueueGroup(string queueGroup)
    {
        string? problem = queueGroup switch
        {
            null or "" => "it is empty",
            _ when queueGroup.AsSpan().IndexOfAny(Forbidden) >= 0 => "it contains whitespace or a control character",
            _ when Encoding.UTF8.GetByteCount(queueGroup) > MaxBytes => $"it is longer than {MaxBytes} bytes",
            _ => null,
        };
        if (problem is not null) throw new NatsSubjectException($"invalid queue group '{Printable(queueGroup ?? "")}': {problem}");
    }

    /// <summary>True when some token is exactly '*' or '>'.</summary>
    public static bool HasWildcard(string subject)
    {
        if (subject.AsSpan().IndexOfAny('*', '>') < 0) return false;
        foreach (var range in subject.AsSpan().Split('.'))
            if (subject.AsSpan()[range] is "*" or ">") return true;
        return false;
    }

    static string? Check(string? subject, bool allowWildcards)
    {
        if (string.IsNullOrEmpty(subject)) return "it is empty";
        var span = subject.AsSpan();
        if (span.IndexOfAny(Forbidden) >= 0) return "it contains whitespace or a control character";
        if (span.Length > MaxBytes / 3 && Encoding.UTF8.GetByteCount(span) > MaxBytes) return $"it is longer than {MaxBytes} bytes";
        if (span[0] == '.' || span[^1] == '.' || span.IndexOf("..") >= 0) return "it has an empty token";
        if (span.IndexOfAny('*', '>') < 0) return null;
        var tokens = span.Split('.');
        var last = false;
        foreach (var range in tokens)
        {
            if (last) return "'>' must be the last token";
            var token = span[range];
            if (token is not ("*" or ">")) continue;
            if (!allowWildcards) return "wildcards ('*', '>') are not allowed in a publish subject";
            last = token is ">";
        }
        return null;
    }

    static string Printable(string s) =>
        s.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);
}
