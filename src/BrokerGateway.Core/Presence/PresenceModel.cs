namespace BrokerGateway.Core.Presence;

/// <summary>A connection as presence knows it. <see cref="Uid"/> is null for a guest.</summary>
public sealed record ConnectionState(
    string Nsp,
    string Conn,
    string? Uid,
    string Node,
    DateTimeOffset ConnectedAt,
    IReadOnlyDictionary<string, string> Session,
    IReadOnlyList<string> Rooms,
    IReadOnlyList<string> Topics)
{
    /// <summary>
    /// Where presence wrote this connection among its user's: a connection written later than another of
    /// the same user has a larger order (0 for a guest, and in a snapshot not read from presence). It ranks
    /// connects that race for the per-user limit. Assigned by the store on every write; ignored on input.
    /// </summary>
    public long Order { get; init; }

    public static readonly IReadOnlyDictionary<string, string> EmptySession = new Dictionary<string, string>();
}

/// <summary>A member of a room, a topic or a namespace: a connection and its user (null for a guest).</summary>
public readonly record struct Member(string Conn, string? Uid, string Node);

/// <summary>
/// One replica: its id (configured, or new at every start), where it listens, how many sockets it holds,
/// and the instance holding the id: a token new at every process start, so two processes given the same
/// node id tell their leases apart (<see cref="NodeIdInUseException"/>).
/// </summary>
public sealed record NodeInfo(string Node, string Address, long Connections, DateTimeOffset StartedAt, string Instance = "");

/// <summary>A dead node that this sweeper claimed, with the connections it still owned.</summary>
public sealed record SweptNode(string Node, IReadOnlyList<ConnectionState> Connections);

/// <summary>
/// Asks for one page: <see cref="Cursor"/> null or empty for the first, then the previous page's next cursor.
/// A <see cref="Limit"/> of zero or less means <see cref="DefaultLimit"/> (so <c>new PageRequest()</c>,
/// <c>default</c> and an unset proto3 field all ask for a normal page); above <see cref="MaxLimit"/> it is capped.
/// </summary>
public readonly record struct PageRequest(string? Cursor = null, int Limit = PageRequest.DefaultLimit)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
    public int EffectiveLimit => Limit <= 0 ? DefaultLimit : Math.Min(Limit, MaxLimit);
}

/// <summary>One page of a list; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor)
{
    public bool IsLast => NextCursor is null;
}
