namespace BrokerGateway.Core.Addressing;

/// <summary>
/// Builds every NATS subject the gateway uses (DESIGN §4). Nothing else concatenates subjects, so the
/// encoding rule of <see cref="SubjectToken"/> holds everywhere.
/// </summary>
public sealed class Subjects
{
    public const string DefaultPrefix = "bgw";

    readonly string _prefix;

    public Subjects(string prefix = DefaultPrefix)
    {
        if (string.IsNullOrEmpty(prefix) || prefix.Split('.').Any(t => t.Length == 0 || t.Any(c => c is '*' or '>' || char.IsWhiteSpace(c))))
            throw new ArgumentException($"invalid subject prefix '{prefix}': dot-separated tokens without wildcards or whitespace", nameof(prefix));
        _prefix = prefix;
    }

    public string Prefix => _prefix;

    /// <summary><c>bgw.&lt;nsp&gt;.user.&lt;uid&gt;</c>: every connection of that user.</summary>
    public string User(string nsp, string uid) => $"{_prefix}.{SubjectToken.Encode(nsp)}.user.{SubjectToken.Encode(uid)}";

    /// <summary><c>bgw.&lt;nsp&gt;.room.&lt;room&gt;</c>: every connection in the room.</summary>
    public string Room(string nsp, string room) => $"{_prefix}.{SubjectToken.Encode(nsp)}.room.{SubjectToken.Encode(room)}";

    /// <summary><c>bgw.&lt;nsp&gt;.topic.&lt;topic&gt;</c>: every connection subscribed to the topic.</summary>
    public string Topic(string nsp, string topic) => $"{_prefix}.{SubjectToken.Encode(nsp)}.topic.{SubjectToken.Encode(topic)}";

    /// <summary><c>bgw.&lt;nsp&gt;.all</c>: every connection in the namespace.</summary>
    public string Namespace(string nsp) => $"{_prefix}.{SubjectToken.Encode(nsp)}.all";

    /// <summary><c>bgw.conn.&lt;conn&gt;</c>: that one connection, wherever it is.</summary>
    public string Connection(string conn) => $"{_prefix}.conn.{SubjectToken.Encode(conn)}";

    /// <summary><c>bgw.&lt;nsp&gt;.events.&lt;kind&gt;</c>: uplink events for business workers.</summary>
    public string Events(string nsp, string kind) => $"{_prefix}.{SubjectToken.Encode(nsp)}.events.{SubjectToken.Encode(kind)}";

    /// <summary><c>bgw.&lt;nsp&gt;.events.&gt;</c>: every kind of uplink event, for one subscription.</summary>
    public string AllEvents(string nsp) => $"{_prefix}.{SubjectToken.Encode(nsp)}.events.>";

    /// <summary><c>bgw.&lt;nsp&gt;.rpc.&lt;method&gt;</c>: a client's RPC, answered by a business worker.</summary>
    public string Rpc(string nsp, string method) => $"{_prefix}.{SubjectToken.Encode(nsp)}.rpc.{SubjectToken.Encode(method)}";

    /// <summary><c>bgw.sys.&lt;name&gt;</c>: node-to-node control; not for backends.</summary>
    public string System(string name) => $"{_prefix}.sys.{SubjectToken.Encode(name)}";

    /// <summary><c>bgw.sys.node.&lt;node&gt;</c>: requests addressed to one node.</summary>
    public string Node(string node) => $"{_prefix}.sys.node.{SubjectToken.Encode(node)}";

    public string For(Target target) => target.Kind switch
    {
        TargetKind.Connection => Connection(target.Id),
        TargetKind.User => User(target.Nsp, target.Id),
        TargetKind.Room => Room(target.Nsp, target.Id),
        TargetKind.Topic => Topic(target.Nsp, target.Id),
        _ => Namespace(target.Nsp),
    };
}
