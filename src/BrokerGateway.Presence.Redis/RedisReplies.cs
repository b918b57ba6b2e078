using BrokerGateway.Core.Presence;
using StackExchange.Redis;

namespace BrokerGateway.Presence.Redis;

/// <summary>Reads what the scripts return back into the model, decoding key tokens to ids.</summary>
internal static class RedisReplies
{
    /// <summary>A connection hash (HGETALL pairs): fields as prelude.lua describes them.</summary>
    public static ConnectionState Connection(string nsp, string conn, RedisValue[] fields)
    {
        string? uid = null;
        var node = "";
        long at = 0, order = 0;
        var rooms = new List<string>();
        var topics = new List<string>();
        var session = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            var field = (string)fields[i]!;
            var value = fields[i + 1];
            switch (field[0])
            {
                case 'r': rooms.Add(KeyToken.Decode(field[1..])); break;
                case 't': topics.Add(KeyToken.Decode(field[1..])); break;
                case 's': session[field[1..]] = (string)value!; break;
                case 'u' when field.Length == 1: uid = KeyToken.Decode((string)value!); break;
                case 'n' when field.Length == 1: node = KeyToken.Decode((string)value!); break;
                case 'a' when field.Length == 1: at = (long)value; break;
                case 'o' when field.Length == 1: order = (long)value; break;
            }
        }
        rooms.Sort(StringComparer.Ordinal);
        topics.Sort(StringComparer.Ordinal);
        return new ConnectionState(nsp, conn, uid, node, DateTimeOffset.FromUnixTimeMilliseconds(at), session, rooms, topics) { Order = order };
    }

    /// <summary>A list of <c>{ nsp, conn, fields }</c> triples (remove.lua, claim.lua), ordered by namespace and connection.</summary>
    public static List<ConnectionState> Connections(RedisResult reply)
    {
        var list = new List<ConnectionState>();
        foreach (var item in (RedisResult[])reply!)
        {
            var parts = (RedisResult[])item!;
            list.Add(Connection(KeyToken.Decode((string)parts[0]!), KeyToken.Decode((string)parts[1]!), (RedisValue[])parts[2]!));
        }
        list.Sort((a, b) => string.CompareOrdinal(a.Nsp, b.Nsp) is var c and not 0 ? c : string.CompareOrdinal(a.Conn, b.Conn));
        return list;
    }

    /// <summary>Flat <c>conn, uid, node</c> triples (clear.lua, page.lua).</summary>
    public static Member[] Members(RedisValue[] flat, int count)
    {
        var members = new Member[count];
        for (var i = 0; i < count; i++)
        {
            var uid = (string)flat[3 * i + 1]!;
            members[i] = new Member(KeyToken.Decode((string)flat[3 * i]!), uid.Length == 0 ? null : KeyToken.Decode(uid), KeyToken.Decode((string)flat[3 * i + 2]!));
        }
        return members;
    }
}
