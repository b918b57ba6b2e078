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
    /// reports not ready and leaves the lease, and the entries under it, to the holder. Every presence write
    /// of this node carries <see cref="InstanceId"/>, so the store refuses it meanwhile, even one made before
    /// a renewal noticed.
    /// </summary>
    public bool NodeIdInUse => Volatile.Read(ref _nodeIdInUse) != 0;
    int _nodeIdInUse;

    /// <summary>Raised when a renewal or a presence write first finds another instance holding this node's lease.</summary>
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
                await Presence.RestoreNodeAsync(NodeId, _connections.Values.Select(Snapshot).ToArray(), InstanceId, ct);
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
            Volatile.Write(ref _nodeIdInUse, 0);
            return known;
        }
        catch (NodeIdInUseException e)
        {
            NoteNodeIdTaken(e);
            throw;
        }
    }

    /// <summary>
    /// Records that another instance holds this node's lease, announcing it once per episode. Nothing is owed
    /// back to the store: this node renews again only once the holder's lease is gone, and that renewal finds
    /// the node unknown, so the node restores its whole state.
    /// </summary>
    void NoteNodeIdTaken(NodeIdInUseException e)
    {
        if (Interlocked.Exchange(ref _nodeIdInUse, 1) == 0) NodeIdTaken?.Invoke(e);
    }
}
