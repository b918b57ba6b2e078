using System.Text;

namespace BrokerGateway.Grpc.Internal;

/// <summary>
/// <c>grpc-message</c> text: UTF-8, then percent-encoded so every byte outside 0x20–0x7E, and '%', becomes
/// <c>%XX</c> (PROTOCOL-HTTP2 "Status-Message"). Decoding never throws: a bad escape is kept as it is.
/// </summary>
internal static class GrpcMessageText
{
    public static string Encode(string text)
    {
        var plain = true;
        foreach (var c in text)
        {
            if (c < 0x20 || c > 0x7E || c == '%') { plain = false; break; }
        }
        if (plain) return text;

        var bytes = Encoding.UTF8.GetBytes(text);
        var sb = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (b >= 0x20 && b <= 0x7E && b != '%') sb.Append((char)b);
            else sb.Append('%').Append(Hex(b >> 4)).Append(Hex(b & 0xF));
        }
        return sb.ToString();

        static char Hex(int v) => (char)(v < 10 ? '0' + v : 'A' + v - 10);
    }

    public static string Decode(string? wire)
    {
        if (string.IsNullOrEmpty(wire) || !wire.Contains('%')) return wire ?? "";
        var bytes = new List<byte>(wire.Length);
        for (var i = 0; i < wire.Length; i++)
        {
            var c = wire[i];
            if (c == '%' && i + 2 < wire.Length && TryHex(wire[i + 1], out var hi) && TryHex(wire[i + 2], out var lo))
            {
                bytes.Add((byte)(hi << 4 | lo));
                i += 2;
            }
            else if (c <= 0x7F)
            {
                bytes.Add((byte)c);
            }
            else
            {
                // Not valid on the wire, but keep it rather than throw.
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }
        // Invalid UTF-8 becomes U+FFFD, never an exception.
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    static bool TryHex(char c, out int value)
    {
        value = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };
        return value >= 0;
    }
}
