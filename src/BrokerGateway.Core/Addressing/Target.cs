namespace BrokerGateway.Core.Addressing;

/// <summary>What a push or a command is addressed to.</summary>
public enum TargetKind : byte
{
    Connection,
    User,
    Room,
    Topic,
    Namespace,
}

/// <summary>
/// One addressable group of connections. <see cref="Nsp"/> is empty for <see cref="TargetKind.Connection"/>
/// (connection ids are unique across the cluster); <see cref="Id"/> is empty for <see cref="TargetKind.Namespace"/>.
/// </summary>
public readonly record struct Target(TargetKind Kind, string Nsp, string Id)
{
    public static Target Connection(string conn) => new(TargetKind.Connection, "", conn);
    public static Target User(string nsp, string uid) => new(TargetKind.User, nsp, uid);
    public static Target Room(string nsp, string room) => new(TargetKind.Room, nsp, room);
    public static Target Topic(string nsp, string topic) => new(TargetKind.Topic, nsp, topic);
    public static Target Namespace(string nsp) => new(TargetKind.Namespace, nsp, "");

    /// <summary>The name clients see in a push frame: <c>room</c>, <c>user</c>, … .</summary>
    public string KindName => Kind switch
    {
        TargetKind.Connection => "conn",
        TargetKind.User => "user",
        TargetKind.Room => "room",
        TargetKind.Topic => "topic",
        _ => "all",
    };

    public override string ToString() => Kind == TargetKind.Namespace ? $"{Nsp}/all" : $"{Nsp}/{KindName}/{Id}";
}
