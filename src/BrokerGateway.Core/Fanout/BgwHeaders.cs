namespace BrokerGateway.Core.Fanout;

/// <summary>
/// NATS headers a publisher may set (DESIGN §4). A message without <see cref="Op"/> is a push; with it, a
/// command applied to every local connection of the subject's target. Header values cannot hold CR or LF
/// and lose surrounding spaces (NATS header rules), so room and topic names given as arguments must not
/// either; the gRPC API refuses such names.
/// </summary>
public static class BgwHeaders
{
    /// <summary>Event name of a push (default <c>message</c>).</summary>
    public const string Event = "Bgw-Event";
    /// <summary>A connection id that must not receive the push.</summary>
    public const string Exclude = "Bgw-Exclude";
    /// <summary>An id for de-duplication: a replica delivers each id at most once within a window.</summary>
    public const string MsgId = "Bgw-Msg-Id";
    /// <summary><c>application/json</c>, <c>text/plain</c> or <c>application/octet-stream</c>; sniffed when absent.</summary>
    public const string ContentType = "Bgw-Content-Type";
    /// <summary>A command instead of a push; see <see cref="Ops"/>.</summary>
    public const string Op = "Bgw-Op";
    /// <summary>A room argument (repeatable) of <c>join</c>, <c>leave</c>.</summary>
    public const string Room = "Bgw-Room";
    /// <summary>A topic argument (repeatable) of <c>subscribe</c>, <c>unsubscribe</c>.</summary>
    public const string Topic = "Bgw-Topic";
    /// <summary>Close code of <c>disconnect</c> (default 4056, kicked).</summary>
    public const string Code = "Bgw-Code";
    /// <summary>Reason text of <c>disconnect</c>.</summary>
    public const string Reason = "Bgw-Reason";
    /// <summary>Delay in milliseconds before a <c>disconnect</c> takes effect (at most 60,000).</summary>
    public const string DelayMs = "Bgw-Delay-Ms";
    /// <summary>Only guests (<c>true</c>) of the target, for <c>disconnect</c>.</summary>
    public const string GuestsOnly = "Bgw-Guests-Only";
    /// <summary><c>true</c>: <c>set-session</c> replaces the session instead of merging.</summary>
    public const string Replace = "Bgw-Replace";
    /// <summary>The user to bind with <c>set-user</c> (absent: unbind).</summary>
    public const string Uid = "Bgw-Uid";
}

/// <summary>Command names carried in <see cref="BgwHeaders.Op"/>.</summary>
public static class Ops
{
    public const string Disconnect = "disconnect";
    public const string Join = "join";
    public const string Leave = "leave";
    public const string Subscribe = "subscribe";
    public const string Unsubscribe = "unsubscribe";
    /// <summary>On a room subject: every member leaves. On a topic subject: every subscriber unsubscribes.</summary>
    public const string Clear = "clear";
    /// <summary>Body: a JSON object of session keys to string values (null deletes the key).</summary>
    public const string SetSession = "set-session";
    public const string SetUser = "set-user";
    /// <summary>Internal: room presence changes, relayed to members on every replica.</summary>
    public const string Presence = "presence";
}
