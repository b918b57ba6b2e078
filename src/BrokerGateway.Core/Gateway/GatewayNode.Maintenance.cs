using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Gateway;

public sealed partial class GatewayNode
{
    /// <summary>
    /// One round of presence upkeep, run every third of the lease: renew this node's lease; write the
    /// whole live state back when the store lost it (or missed writes while down); sweep dead nodes and
    /// announce the leaves their connections owe. Returns the number of connections swept.
    /// </summary>
    /// <remarks>
    /// While another instance holds this node's lease the round ends there: no restore or sweep, which
    /// would write to or announce from the holder's entries.
    /// </remarks>
    public async Task<int> MaintainPresenceAsync(CancellationToken ct = default)
    {
        bool known;
        try
        {
            known = await RenewOwnLeaseAsync(ct);
        }
        catch (NodeIdInUseException)
        {
            _lastUpkeepSucceeded = true;
            return 0;
        }
        catch
        {
            _lastUpkeepSucceeded = false;
            throw;
        }
        _lastUpkeepSucceeded = true;
        Exception? restoreFailed = null;
        if (!known || _presenceDirty)
        {
            _presenceDirty = false;
            try
            {
                // Makes the node's entries exactly this list: closed-while-down connections go too.
                await Presence.RestoreNodeAsync(NodeId, _connections.Values.Select(Snapshot).ToArray(), InstanceId, ct);
            }
            catch (NodeIdInUseException e)
            {
                // Taken between the renewal and the restore: the round ends as if the renewal had found it so.
                NoteNodeIdTaken(e);
                return 0;
            }
            catch (Exception e)
            {
                // Retried next round; the dead nodes' sweep below does not wait for it.
                _presenceDirty = true;
                restoreFailed = e;
            }
        }

        var swept = await SweepDeadNodesAsync(ct);
        if (restoreFailed is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(restoreFailed);
        return swept;
    }

    /// <summary>Removes the entries of nodes whose lease lapsed, announcing the leaves they owe; returns how many connections went.</summary>
    async Task<int> SweepDeadNodesAsync(CancellationToken ct)
    {
        var swept = 0;
        foreach (var node in await Presence.SweepDeadNodesAsync(ct))
        {
            foreach (var connection in node.Connections)
            {
                swept++;
                ConnectionSwept?.Invoke(connection);
                var member = new Member(connection.Conn, connection.Uid, connection.Node);
                foreach (var room in connection.Rooms)
                    if (Options.PolicyFor(connection.Nsp).PresenceEvents) await AnnounceAsync(connection.Nsp, room, [], [member]);
            }
        }
        return swept;
    }

    /// <summary>
    /// Graceful drain: take no new connections, tell every client to reconnect after a random delay
    /// within <paramref name="spread"/> (so they do not all land on the other replicas at once), close
    /// them with 4001, and remove this node from presence.
    /// </summary>
    public async Task DrainAsync(TimeSpan spread, CancellationToken ct = default)
    {
        IsDraining = true;
        foreach (var connection in _connections.Values)
        {
            var after = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * spread.TotalMilliseconds);
            connection.Close(CloseCodes.Draining, null, connection.Dialect.EncodeReconnect(after));
        }
        foreach (var connection in _connections.Values)
        {
            try { await CloseAsync(connection, CloseCodes.Draining); }
            catch (Exception) { /* a close handler failed: the drain goes on, and removing the node below clears its presence */ }
        }
        // The lease and entries under this node id belong to the instance holding it, not to this one; the
        // store refuses the removal too when the holder took it since this node's last renewal.
        if (NodeIdInUse) return;
        try { await Presence.RemoveNodeAsync(NodeId, InstanceId, ct); }
        catch (NodeIdInUseException e) { NoteNodeIdTaken(e); }
        catch (Exception) { /* the lease lapses and the others sweep whatever is left */ }
    }
}
