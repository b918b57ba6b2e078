using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Tests.Presence;

/// <summary>
/// What every <see cref="IPresenceStore"/> promises, run once per implementation: each subclass supplies
/// a fresh store and a second node's view of it (the SignalR scale-out contract suite pattern).
/// Partial files hold the tests by concern.
/// </summary>
public abstract partial class PresenceStoreContract : IAsyncLifetime
{
    /// <summary>Bound on every single call and wait in these tests.</summary>
    protected static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    protected static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_763_000_000_123);

    IPresenceStore? _store;

    /// <summary>The store under test, as node <see cref="NodeA"/> sees it.</summary>
    protected IPresenceStore Store => _store ?? throw new InvalidOperationException("not initialized");

    protected string Nsp { get; } = Unique.Name("nsp");
    protected string NodeA { get; } = Unique.Name("nodeA");
    protected string NodeB { get; } = Unique.Name("nodeB");

    /// <summary>A new store with nothing in it.</summary>
    protected abstract Task<IPresenceStore> CreateStoreAsync();

    /// <summary>Another node's handle on the same data as <see cref="Store"/> (another replica).</summary>
    protected abstract Task<IPresenceStore> CreatePeerAsync();

    /// <summary>A lease short enough to lapse within a test.</summary>
    protected abstract TimeSpan ShortLease { get; }

    /// <summary>Lets <paramref name="span"/> pass on the store's clock (a fake clock moves; a real one needs nothing).</summary>
    protected abstract void LetTimePass(TimeSpan span);

    public async Task InitializeAsync() => _store = new TimeLimitedPresenceStore(await CreateStoreAsync().WaitAsync(Limit), Limit);

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected async Task<IPresenceStore> PeerAsync() => new TimeLimitedPresenceStore(await CreatePeerAsync().WaitAsync(Limit), Limit);

    protected ConnectionState Connection(string conn, string? uid = null, string? node = null, string[]? rooms = null,
        string[]? topics = null, Dictionary<string, string>? session = null, string? nsp = null) =>
        new(nsp ?? Nsp, conn, uid, node ?? NodeA, At, session ?? new Dictionary<string, string>(), rooms ?? [], topics ?? []);

    /// <summary>Waits (on the real clock, bounded) until the store no longer lists the node as live.</summary>
    protected async Task LetLeaseLapseAsync(IPresenceStore store, string node)
    {
        LetTimePass(ShortLease + TimeSpan.FromMilliseconds(1));
        await Eventually.TrueAsync(async () => (await store.ListNodesAsync()).All(n => n.Node != node), Limit,
            $"the lease of {node} to lapse");
    }

    /// <summary>Reads a whole list page by page, checking each page keeps to the limit.</summary>
    protected static async Task<List<T>> WalkAsync<T>(Func<PageRequest, Task<Page<T>>> list, int limit, Func<Task>? betweenPages = null)
    {
        var all = new List<T>();
        string? cursor = null;
        for (var pages = 0; pages < 100_000; pages++)
        {
            var page = await list(new PageRequest(cursor, limit));
            Assert.True(page.Items.Count <= limit, $"a page held {page.Items.Count} items with limit {limit}");
            all.AddRange(page.Items);
            if (page.IsLast) return all;
            Assert.NotEmpty(page.Items);
            cursor = page.NextCursor;
            if (betweenPages is not null) await betweenPages();
        }
        throw new InvalidOperationException("the walk never reached its last page");
    }

    protected static string[] Sorted(IEnumerable<string> items) => items.Order(StringComparer.Ordinal).ToArray();
}
