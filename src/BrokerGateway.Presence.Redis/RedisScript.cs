using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace BrokerGateway.Presence.Redis;

/// <summary>
/// A Lua script run by EVALSHA: one round trip carrying only the 40-hex hash. When the server answers
/// NOSCRIPT (it restarted, or its script cache was flushed) the script is sent once with EVAL, which
/// also caches it again, so the next call is back to EVALSHA.
/// </summary>
internal sealed class RedisScript
{
    static readonly RedisKey[] NoKeys = [];

    public RedisScript(string name, string text)
    {
        Name = name;
        Text = text;
        Hash = SHA1.HashData(Encoding.UTF8.GetBytes(text));
    }

    public string Name { get; }
    public string Text { get; }
    public byte[] Hash { get; }

    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync db, RedisValue[] args)
    {
        try
        {
            return await db.ScriptEvaluateAsync(Hash, NoKeys, args);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            // NoScriptCache: send plain EVAL rather than the client's own SCRIPT LOAD + EVALSHA dance.
            return await db.ScriptEvaluateAsync(Text, NoKeys, args, CommandFlags.NoScriptCache);
        }
    }
}
