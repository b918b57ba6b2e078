namespace BrokerGateway.Presence.Redis;

/// <summary>
/// Every Lua script of the store, each with the shared prelude (key layout and index upkeep) in front,
/// so a key is spelled in exactly one place (STYLE 4). See Scripts/*.lua and docs/presence.md.
/// </summary>
internal static class PresenceScripts
{
    static readonly string Prelude = Read("prelude");

    public static readonly RedisScript Upsert = Load("upsert");
    public static readonly RedisScript Remove = Load("remove");
    public static readonly RedisScript Membership = Load("membership");
    public static readonly RedisScript Clear = Load("clear");
    public static readonly RedisScript Session = Load("session");
    public static readonly RedisScript User = Load("user");
    public static readonly RedisScript Get = Load("get");
    public static readonly RedisScript Count = Load("count");
    public static readonly RedisScript Page = Load("page");
    public static readonly RedisScript Renew = Load("renew");
    public static readonly RedisScript Nodes = Load("nodes");
    public static readonly RedisScript Claim = Load("claim");
    public static readonly RedisScript NodeConnections = Load("node_conns");

    static RedisScript Load(string name) => new(name, Prelude + "\n" + Read(name));

    static string Read(string name)
    {
        var resource = $"BrokerGateway.Presence.Redis.Scripts.{name}.lua";
        using var stream = typeof(PresenceScripts).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"missing embedded script {resource}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
