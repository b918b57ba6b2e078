using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Gateway;

public sealed partial class GatewayNode
{
    /// <summary>
    /// New at every start: tells this process's lease apart from another process given the same
    /// <see cref="NodeId"/>, which must not renew, share or remove it.
    /// </summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>
    /// True while another instance holds this node's lease (its id was given to two processes): the node
    /// reports not ready and leaves the lease, and the entries under it, to the holder.
    /// </summary>
    public bool NodeIdInUse => _nodeIdInUse;
    volatile bool _nodeIdInUse;

    /// <summary>Raised when a renewal first finds another instance holding this node's lease.</summary>
    public event Action<NodeIdInUseException>? NodeIdTaken;

    NodeInfo LeaseInfo() => new(NodeId, Options.NodeAddress, ConnectionCount, StartedAt, InstanceId);

    /// <summary>
    /// Takes this node's lease before the replica serves anyone, and clears what an earlier run of the
    /// same node id left behind. Throws <see cref="NodeIdInUseException"/>, having written nothing, when
    /// another instance holds the lease; an unreachable store is left to the upkeep rounds.
    /// </summary>
    public async Task RegisterAsync(CancellationToken ct = default)
    {
        try
        {
            if (!await Presence.RenewLeaseAsync(LeaseInfo(), Options.LeaseTtl, ct))
                await Presence.RestoreNodeAsync(NodeId, _connections.Values.Select(Snapshot).ToArray(), ct);
        }
        catch (PresenceStoreUnavailableException)
        {
            // Redis need not answer at start: readiness says so, and the upkeep registers once it does.
        }
    }

    /// <summary>Renews the lease; records (and announces once) a lease held by another instance.</summary>
    async Task<bool> RenewOwnLeaseAsync(CancellationToken ct)
    {
        try
        {
            var known = await Presence.RenewLeaseAsync(LeaseInfo(), Options.LeaseTtl, ct);
            _nodeIdInUse = false;
            return known;
        }
        catch (NodeIdInUseException e)
        {
            if (!_nodeIdInUse)
            {
                _nodeIdInUse = true;
                NodeIdTaken?.Invoke(e);
            }
            throw;
        }
    }
}
