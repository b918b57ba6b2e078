namespace BrokerGateway.Core.Presence;

/// <summary>
/// A lease renewal, or a write to a node's entries that carried its instance, found the node's lease
/// unexpired and held by another instance: two processes were given the same node id. The call wrote
/// nothing, so the holder's lease and entries stay as they were. Not transient while the holder runs; it
/// clears once the holder's lease lapses.
/// </summary>
public sealed class NodeIdInUseException(string node)
    : Exception($"node id '{node}' is held by another running replica (or by one stopped without a drain, until its lease lapses)")
{
    public string Node { get; } = node;
}
