using System.Reflection;
using BrokerGateway.Core.Broker;
using BrokerGateway.Core.Connections;
using BrokerGateway.Core.Fanout;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Tests.Gateway;

/// <summary>The connections-per-user limit holds when connects for one user race (as they do across replicas).</summary>
public sealed class UserLimitTests
{
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ConnectsRacingForOneUser_LetInExactlyTheLimit()
    {
        const int racers = 6;
        var store = new MemoryPresenceStore();
        await using var broker = new MemoryBroker();
        var node = new GatewayNode(new GatewayOptions { MaxConnectionsPerUser = 2 }, broker, RacingPresence.Wrap(store, racers));

        var attempts = Enumerable.Range(0, racers)
            .Select(_ => Task.Run(() => node.OpenAsync(new ConnectRequest("default", "racer", SilentDialect.Instance))))
            .ToArray();
        await Task.WhenAll(attempts.Select(a => a.ContinueWith(_ => { }))).WaitAsync(Limit);

        // The limit, whatever order the racers write and look in; each refused one is told why.
        var admitted = attempts.Count(a => a.IsCompletedSuccessfully);
        Assert.Equal(2, admitted);
        Assert.All(attempts.Where(a => a.IsFaulted), a => Assert.Equal(ErrorCodes.LimitExceeded, Assert.IsType<GatewayException>(a.Exception!.InnerException).Code));
        Assert.Equal(admitted, (await store.GetUserConnectionsAsync("default", "racer")).Count);
        Assert.Equal(admitted, node.ConnectionCount);

        // The limit is held: one more is refused; one closed makes room for one.
        await Assert.ThrowsAsync<GatewayException>(() => node.OpenAsync(new ConnectRequest("default", "racer", SilentDialect.Instance)));
        await node.CloseAsync(await attempts.First(a => a.IsCompletedSuccessfully), 1000);
        await node.OpenAsync(new ConnectRequest("default", "racer", SilentDialect.Instance));
        Assert.Equal(2, node.ConnectionCount);
    }

    /// <summary>
    /// A presence store whose first round of user-connection reads all return before any connect has been
    /// written, as when connects race on different replicas: every racer passes the check made before the write.
    /// </summary>
    public class RacingPresence : DispatchProxy
    {
        IPresenceStore _inner = null!;
        int _racers;
        int _arrived;
        readonly TaskCompletionSource _allArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public static IPresenceStore Wrap(IPresenceStore inner, int racers)
        {
            var proxy = Create<IPresenceStore, RacingPresence>();
            var racing = (RacingPresence)(object)proxy;
            racing._inner = inner;
            racing._racers = racers;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? method, object?[]? args)
        {
            var result = method!.Invoke(_inner, args);
            if (method.Name != nameof(IPresenceStore.GetUserConnectionsAsync) || Volatile.Read(ref _arrived) >= _racers) return result;
            if (Interlocked.Increment(ref _arrived) == _racers) _allArrived.TrySetResult();
            return HeldAsync((Task<IReadOnlyList<ConnectionState>>)result!);
        }

        async Task<IReadOnlyList<ConnectionState>> HeldAsync(Task<IReadOnlyList<ConnectionState>> read)
        {
            var connections = await read;
            await _allArrived.Task.WaitAsync(Limit);
            return connections;
        }
    }
}
