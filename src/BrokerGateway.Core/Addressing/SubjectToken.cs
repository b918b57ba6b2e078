using System.Buffers.Text;
using System.Text;

namespace BrokerGateway.Core.Addressing;

/// <summary>
/// Turns any id into one safe NATS subject token (DESIGN §4 "Tokens"): an id matching
/// <c>^[A-Za-z0-9_-]{1,128}$</c> is used as is; any other id becomes <c>~</c> + base64url (no padding) of
/// its UTF-8 bytes. So no id can inject <c>.</c>, <c>*</c>, <c>&gt;</c> or whitespace into a subject, and
/// two different ids never share a token (<c>~</c> is outside the plain alphabet).
/// </summary>
public static class SubjectToken
{
    public const int MaxPlainLength = 128;

    public static string Encode(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return IsPlain(id) ? id : "~" + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(id));
    }

    /// <summary>Reverses <see cref="Encode"/>; returns null for a token no id encodes to.</summary>
    public static string? Decode(string token)
    {
        if (token.Length == 0) return null;
        if (token[0] != '~') return IsPlain(token) ? token : null;
        try
        {
            var id = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.AsSpan(1)));
            return IsPlain(id) ? null : id; // a plain id is never encoded, so this token is not canonical
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static bool IsPlain(ReadOnlySpan<char> id)
    {
        if (id.Length is 0 or > MaxPlainLength) return false;
        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-')) return false;
        }
        return true;
    }
}
