using BrokerGateway.Core.Presence;
using StackExchange.Redis;

namespace BrokerGateway.Presence.Redis;

public sealed partial class RedisPresenceStore
{
    public async Task<bool> RenewLeaseAsync(NodeInfo node, TimeSpan ttl, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        PresenceIds.Check(node.Node, "node");
        ArgumentOutOfRangeException.ThrowIfLessThan(ttl, TimeSpan.FromMilliseconds(1), nameof(ttl));
        var args = Args().Token(node.Node).Value((long)Math.Ceiling(ttl.TotalMilliseconds))
            .Value(node.Address ?? "").Value(node.Connections).Value(node.StartedAt.ToUnixTimeMilliseconds()).Value(node.Instance ?? "");
        return (long)await RunAsync(PresenceScripts.Renew, args, ct) switch
        {
            1 => true,
            0 => false,
            _ => throw new NodeIdInUseException(node.Node),
        };
    }

    public async Task<IReadOnlyList<NodeInfo>> ListNodesAsync(CancellationToken ct = default)
    {
        var flat = (RedisValue[])(await RunAsync(PresenceScripts.Nodes, Args().Value("live"), ct))!;
        var nodes = new List<NodeInfo>(flat.Length / 5);
        for (var i = 0; i + 4 < flat.Length; i += 5)
        {
            nodes.Add(new NodeInfo(KeyToken.Decode((string)flat[i]!), (string)flat[i + 1]!, (long)flat[i + 2],
                DateTimeOffset.FromUnixTimeMilliseconds((long)flat[i + 3]), (string)flat[i + 4]!));
        }
        nodes.Sort((a, b) => string.CompareOrdinal(a.Node, b.Node));
        return nodes;
    }

    public async Task<IReadOnlyList<ConnectionState>> RemoveNodeAsync(string node, string? instance = null, CancellationToken ct = default)
    {
        PresenceIds.Check(node, nameof(node));
        return RedisReplies.Connections(await RunAsync(PresenceScripts.Claim, Args().Token(node).Value("remove").Value(instance ?? ""), ct));
    }

    public async Task RestoreNodeAsync(string node, IReadOnlyList<ConnectionState> connections, string? instance = null, CancellationToken ct = default)
    {
        PresenceIds.Check(node, nameof(node));
        ArgumentNullException.ThrowIfNull(connections);
        foreach (var connection in connections)
        {
            PresenceIds.Check(connection);
            if (connection.Node != node)
                throw new ArgumentException($"connection '{connection.Conn}' belongs to node '{connection.Node}', not '{node}'", nameof(connections));
        }

        // First drop what the store holds for this node but the node no longer has (closed while the
        // store was unreachable), then write every live connection as a connect would.
        var listed = connections.Select(c => KeyToken.Encode(c.Nsp) + ":" + KeyToken.Encode(c.Conn)).ToHashSet(StringComparer.Ordinal);
        var held = (RedisValue[])(await RunAsync(PresenceScripts.NodeConnections, Args().Token(node), ct))!;
        var stale = held.Select(m => (string)m!).Where(m => !listed.Contains(m)).ToList();
        foreach (var batch in stale.Chunk(_options.RestoreBatchSize))
        {
            var args = Args().Token(node).Value(instance ?? "");
            foreach (var member in batch)
            {
                var sep = member.IndexOf(':', StringComparison.Ordinal);
                args.Value(member[..sep]).Value(member[(sep + 1)..]);
            }
            await RunAsync(PresenceScripts.Remove, args, ct);
        }
        foreach (var batch in connections.Chunk(_options.RestoreBatchSize))
        {
            var args = Args().Token(node).Value(instance ?? "");
            foreach (var connection in batch) args.Connection(connection);
            await RunAsync(PresenceScripts.Upsert, args, ct);
        }
    }
}
