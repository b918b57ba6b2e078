using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace BrokerGateway.Server.Transport.Framed;

/// <summary>
/// The head of an HTTP/1.1 request (request line and header fields, RFC 9112 §2–§5), read off a connection
/// before Kestrel parses it (<see cref="UpgradeListener"/>). Parsing is strict and plain on purpose: a head
/// that is anything but ordinary (folded lines, bytes outside visible ASCII, an absolute target) is not
/// parsed, and the request is left to Kestrel, which has the last word on it.
/// </summary>
public sealed class RequestHead
{
    /// <summary>The longest head looked at here; a longer one is left to Kestrel and its own limits.</summary>
    public const int MaxLength = 16 * 1024;

    RequestHead(string method, string target, string protocol, HeaderDictionary headers)
    {
        Method = method;
        Target = target;
        Protocol = protocol;
        Headers = headers;
    }

    public string Method { get; }

    /// <summary>The request target in origin form: the path and the query, as sent.</summary>
    public string Target { get; }

    public string Protocol { get; }
    public IHeaderDictionary Headers { get; }

    /// <summary>The target without its query, as sent (not percent-decoded).</summary>
    public string Path => Target.IndexOf('?') is var q and >= 0 ? Target[..q] : Target;

    /// <summary>The query's parameters, percent-decoded.</summary>
    public IQueryCollection Query =>
        Target.IndexOf('?') is var q and >= 0 ? new QueryCollection(QueryHelpers.ParseQuery(Target[q..])) : QueryCollection.Empty;

    /// <summary>Parses a whole head (its closing blank line may be included); null when it is not plain.</summary>
    public static RequestHead? Parse(ReadOnlySpan<byte> head)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        if (lineEnd < 0 || !ParseRequestLine(head[..lineEnd], out var method, out var target, out var protocol)) return null;
        var headers = new HeaderDictionary();
        var rest = head[(lineEnd + 2)..];
        while (true)
        {
            lineEnd = rest.IndexOf("\r\n"u8);
            var line = lineEnd < 0 ? rest : rest[..lineEnd];
            if (line.IsEmpty) break;
            var colon = line.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(line[..colon])) return null; // also refuses folded lines (§5.2): they start with a space
            var value = Trim(line[(colon + 1)..]);
            if (!IsFieldValue(value)) return null;
            headers.Append(Encoding.ASCII.GetString(line[..colon]), Encoding.ASCII.GetString(value));
            if (lineEnd < 0) break;
            rest = rest[(lineEnd + 2)..];
        }
        return new RequestHead(method, target, protocol, headers);
    }

    static bool ParseRequestLine(ReadOnlySpan<byte> line, out string method, out string target, out string protocol)
    {
        method = target = protocol = "";
        var first = line.IndexOf((byte)' ');
        if (first <= 0) return false;
        var second = line[(first + 1)..].IndexOf((byte)' ');
        if (second <= 0) return false;
        var m = line[..first];
        var t = line.Slice(first + 1, second);
        var p = line[(first + second + 2)..];
        if (!IsToken(m) || t[0] != (byte)'/' || !IsVisible(t) || !p.StartsWith("HTTP/"u8) || p.Length != 8 || !IsVisible(p)) return false;
        method = Encoding.ASCII.GetString(m);
        target = Encoding.ASCII.GetString(t);
        protocol = Encoding.ASCII.GetString(p);
        return true;
    }

    /// <summary>RFC 9110 §5.6.2 tchar.</summary>
    static bool IsToken(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty) return false;
        foreach (var b in s)
            if (b is <= 0x20 or >= 0x7F or (byte)'(' or (byte)')' or (byte)',' or (byte)'/' or (byte)':' or (byte)';' or (byte)'<'
                or (byte)'=' or (byte)'>' or (byte)'?' or (byte)'@' or (byte)'[' or (byte)'\\' or (byte)']' or (byte)'{' or (byte)'}' or (byte)'"')
                return false;
        return true;
    }

    static bool IsVisible(ReadOnlySpan<byte> s)
    {
        foreach (var b in s)
            if (b is <= 0x20 or >= 0x7F) return false;
        return true;
    }

    /// <summary>Visible ASCII, spaces and tabs (no obs-text: such values are Kestrel's to judge).</summary>
    static bool IsFieldValue(ReadOnlySpan<byte> s)
    {
        foreach (var b in s)
            if (b is (< 0x20 and not (byte)'\t') or >= 0x7F) return false;
        return true;
    }

    static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s)
    {
        while (!s.IsEmpty && s[0] is (byte)' ' or (byte)'\t') s = s[1..];
        while (!s.IsEmpty && s[^1] is (byte)' ' or (byte)'\t') s = s[..^1];
        return s;
    }
}
