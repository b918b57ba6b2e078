using System.Text;

namespace BrokerGateway.Core.Presence;

/// <summary>
/// The one check every presence store runs on ids and session data before it touches anything, so both
/// twins refuse the same input with the same message (DESIGN §2: ids are opaque strings).
/// </summary>
/// <remarks>
/// Any non-empty, well-formed string is an id: dots, colons, slashes, wildcards and unicode are just
/// characters. Refused: null, empty, more than <see cref="MaxIdBytes"/> UTF-8 bytes, and strings with a
/// lone surrogate (they have no UTF-8 form, so two of them could collapse into one stored name).
/// </remarks>
public static class PresenceIds
{
    /// <summary>Longest id, in UTF-8 bytes. Long enough for any real id; short enough to keep keys small.</summary>
    public const int MaxIdBytes = 4096;

    /// <summary>Longest session value, in UTF-8 bytes: session data is a small context, not a blob store.</summary>
    public const int MaxSessionValueBytes = 64 * 1024;

    static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="id"/> is a usable id.</summary>
    public static void Check(string? id, string what)
    {
        if (id is null) throw new ArgumentNullException(what, $"{what} must not be null");
        if (id.Length == 0) throw new ArgumentException($"{what} must not be empty", what);
        CheckText(id, what, MaxIdBytes);
    }

    /// <summary>Checks every id, room, topic and session entry of a connection.</summary>
    public static void Check(ConnectionState? connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Check(connection.Nsp, "nsp");
        Check(connection.Conn, "conn");
        Check(connection.Node, "node");
        if (connection.Uid is not null) Check(connection.Uid, "uid");
        ArgumentNullException.ThrowIfNull(connection.Rooms, "rooms");
        ArgumentNullException.ThrowIfNull(connection.Topics, "topics");
        ArgumentNullException.ThrowIfNull(connection.Session, "session");
        foreach (var room in connection.Rooms) Check(room, "room");
        foreach (var topic in connection.Topics) Check(topic, "topic");
        foreach (var (key, value) in connection.Session) CheckSessionEntry(key, value);
    }

    /// <summary>Session keys may be any well-formed string (even empty); values are bounded.</summary>
    public static void CheckSessionEntry(string? key, string? value)
    {
        if (key is null) throw new ArgumentNullException("key", "a session key must not be null");
        CheckText(key, "session key", MaxIdBytes);
        if (value is not null) CheckText(value, $"session value of '{key}'", MaxSessionValueBytes);
    }

    static void CheckText(string text, string what, int maxBytes)
    {
        int bytes;
        try
        {
            bytes = Strict.GetByteCount(text);
        }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException($"{what} is not well-formed text (it holds a lone surrogate)", what);
        }
        if (bytes > maxBytes) throw new ArgumentException($"{what} is {bytes} UTF-8 bytes; at most {maxBytes} are allowed", what);
    }

    /// <summary>Keeps a timestamp to the millisecond, in UTC: what every store can hold exactly.</summary>
    public static DateTimeOffset ToMilliseconds(DateTimeOffset at) =>
        DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());
}
