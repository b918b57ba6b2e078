using System.Buffers.Text;
using System.Text;

namespace BrokerGateway.Presence.Redis;

/// <summary>
/// Turns an id into one key component, by the same rule as subject tokens (DESIGN §4 "Tokens"): an id
/// matching <c>^[A-Za-z0-9_-]{1,128}$</c> is written as is; any other id as <c>~</c> + base64url (no
/// padding) of its UTF-8 bytes. A token never holds <c>:</c>, the key separator, so a room named
/// <c>x:members</c> or <c>../</c> stays inside its own key, and two ids never share a token.
/// </summary>
internal static class KeyToken
{
    const int MaxPlainLength = 128;

    public static string Encode(string id) =>
        IsPlain(id) ? id : "~" + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(id));

    /// <summary>Reverses <see cref="Encode"/>. A token no id encodes to (written by something else) is returned as it is.</summary>
    public static string Decode(string token)
    {
        if (token.Length == 0 || token[0] != '~') return token;
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.AsSpan(1)));
        }
        catch (FormatException)
        {
            return token;
        }
    }

    /// <summary>True for text made only of token characters: what a cursor from this store looks like.</summary>
    public static bool IsTokenText(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty) return false;
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '~')) return false;
        }
        return true;
    }

    static bool IsPlain(ReadOnlySpan<char> id)
    {
        if (id.Length is 0 or > MaxPlainLength) return false;
        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-')) return false;
        }
        return true;
    }
}
