using BrokerGateway.Core.Presence;
using StackExchange.Redis;

namespace BrokerGateway.Presence.Redis;

/// <summary>Builds a script's ARGV: the key prefix first, then ids as key tokens and values as they are.</summary>
internal sealed class ScriptArgs(string prefix)
{
    readonly List<RedisValue> _args = [prefix];

    public int Count => _args.Count;

    public ScriptArgs Token(string id)
    {
        _args.Add(KeyToken.Encode(id));
        return this;
    }

    public ScriptArgs Value(RedisValue value)
    {
        _args.Add(value);
        return this;
    }

    /// <summary>One connection in the layout upsert.lua reads.</summary>
    public ScriptArgs Connection(ConnectionState c)
    {
        Token(c.Nsp).Token(c.Conn).Value(c.Uid is null ? "" : KeyToken.Encode(c.Uid)).Token(c.Node)
            .Value(c.ConnectedAt.ToUnixTimeMilliseconds());
        Names(c.Rooms);
        Names(c.Topics);
        Value(c.Session.Count);
        foreach (var (key, value) in c.Session) Value(key).Value(value);
        return this;
    }

    void Names(IReadOnlyList<string> names)
    {
        Value(names.Count);
        foreach (var name in names) Token(name);
    }

    public RedisValue[] ToArray() => [.. _args];
}
