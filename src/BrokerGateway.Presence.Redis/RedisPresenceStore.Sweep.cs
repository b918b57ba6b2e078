using BrokerGateway.Core.Presence;
using StackExchange.Redis;

namespace BrokerGateway.Presence.Redis;

public sealed partial class RedisPresenceStore
{
    // Claims that may have run in Redis without their answer reaching this store, as (node token, claim id).
    // Redis keeps each claim's reply under its id for ClaimReplyTtl, so asking again with the same id gets
    // the node's connections; a new id would get nothing, because the node already left the registry.
    readonly Lock _unconfirmedGate = new();
    readonly HashSet<(string Token, string Id)> _unconfirmedClaims = [];

    public async Task<IReadOnlyList<SweptNode>> SweepDeadNodesAsync(CancellationToken ct = default)
    {
        var swept = new List<SweptNode>();
        var retries = new Queue<(string Token, string Id)>(TakeUnconfirmedClaims());
        try
        {
            // Claims left unconfirmed by earlier sweeps go first: their replies are kept for a limited time.
            while (retries.TryDequeue(out var retry)) await ClaimAsync(retry.Token, retry.Id, swept, ct);
            var dead = (RedisValue[])(await RunAsync(PresenceScripts.Nodes, Args().Value("dead"), ct))!;
            foreach (var token in dead)
            {
                // Each claim is its own script, so a large dead node never holds Redis up for the others.
                await ClaimAsync((string)token!, Guid.NewGuid().ToString("N"), swept, ct);
            }
        }
        catch (Exception) when (swept.Count > 0)
        {
            // The nodes claimed so far are gone from Redis: returned, their leaves are still announced. The
            // others stay unclaimed, or unconfirmed, for the next sweep.
        }
        finally
        {
            foreach (var (token, id) in retries) RememberUnconfirmedClaim(token, id); // not asked this time
        }
        swept.Sort((a, b) => string.CompareOrdinal(a.Node, b.Node));
        return swept;
    }

    /// <summary>
    /// Claims one dead node under <paramref name="id"/>, adding it to <paramref name="swept"/> if this
    /// claim won it. A failure that may have left the claim run in Redis is retried once with the same id
    /// (the link is often back by then); if that fails too, the claim is remembered for the next sweep.
    /// </summary>
    async Task ClaimAsync(string token, string id, List<SweptNode> swept, CancellationToken ct)
    {
        var args = Args().Value(token).Value("sweep").Value(id).Value((long)Math.Ceiling(_options.ClaimReplyTtl.TotalMilliseconds));
        RedisResult claim;
        try
        {
            claim = await RunAsync(PresenceScripts.Claim, args, ct);
        }
        catch (Exception e) when (MayHaveRun(e))
        {
            try
            {
                claim = await RunAsync(PresenceScripts.Claim, args, ct);
            }
            catch (Exception again) when (MayHaveRun(again))
            {
                RememberUnconfirmedClaim(token, id);
                throw;
            }
        }
        if (claim.IsNull) return; // another sweeper won it, or the node renewed just in time
        swept.Add(new SweptNode(KeyToken.Decode(token), RedisReplies.Connections(claim)));
    }

    /// <summary>
    /// A script error (such as WRONGTYPE) stops the claim before it writes anything, so nothing is kept to
    /// ask for; every other failure (timeout, lost link, cancellation) may come after Redis ran it.
    /// </summary>
    static bool MayHaveRun(Exception e) => e is not RedisServerException;

    (string Token, string Id)[] TakeUnconfirmedClaims()
    {
        // Taken, not copied: two concurrent sweeps never ask for the same kept reply, so it is returned once.
        lock (_unconfirmedGate)
        {
            var claims = _unconfirmedClaims.ToArray();
            _unconfirmedClaims.Clear();
            return claims;
        }
    }

    void RememberUnconfirmedClaim(string token, string id)
    {
        lock (_unconfirmedGate) _unconfirmedClaims.Add((token, id));
    }
}
