using System.Buffers.Text;
using System.Text;

namespace BrokerGateway.Core.Presence;

/// <summary>
/// The memory twin's page cursor: base64url of the last name a page returned. Lists are kept in ordinal
/// order, so the next page starts right after that name, and a member that stays for the whole walk is
/// returned exactly once however the list changes in between.
/// </summary>
internal static class PresenceCursor
{
    public static string Encode(string last) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(last));

    /// <summary>Null or empty means "from the start"; anything that is not a cursor is a clear error.</summary>
    public static string? Decode(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            throw new ArgumentException("the cursor is not one this store issued", nameof(cursor));
        }
    }
}
