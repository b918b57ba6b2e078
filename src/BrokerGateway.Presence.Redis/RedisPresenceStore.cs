using BrokerGateway.Core.Presence;
using StackExchange.Redis;

namespace BrokerGateway.Presence.Redis;

/// <summary>
/// <see cref="IPresenceStore"/> on Redis (DESIGN §5): every change is one Lua script, so one round trip
/// and one atomic step; counts are ZCARD/SCARD; lists page with ZRANGEBYLEX; every entry is tagged with
/// its node; leases live in a sorted set of expiry times. Key layout: docs/presence.md.
/// </summary>
/// <remarks>
/// Lists page by ZRANGEBYLEX on score-0 sorted sets rather than SSCAN: a page then holds exactly the
/// limit, and a member present for the whole walk comes exactly once (SSCAN may repeat members and
/// ignores COUNT on small sets), at O(log n) per add instead of O(1).
/// While Redis is unreachable every call throws <see cref="PresenceStoreUnavailableException"/> within
/// <see cref="RedisPresenceOptions.OperationTimeout"/>; the client reconnects by itself, and scripts the
/// server forgot in a restart are sent again on first use.
/// </remarks>
public sealed partial class RedisPresenceStore : IPresenceStore, IAsyncDisposable
{
    readonly IConnectionMultiplexer _redis;
    readonly IDatabase _db;
    readonly RedisPresenceOptions _options;
    readonly bool _ownsConnection;
    int _disposed;

    /// <summary>A store on a connection the caller owns (and disposes); <paramref name="options"/> default as documented.</summary>
    public RedisPresenceStore(IConnectionMultiplexer redis, RedisPresenceOptions? options = null)
        : this(redis, options ?? new RedisPresenceOptions(), ownsConnection: false)
    {
    }

    RedisPresenceStore(IConnectionMultiplexer redis, RedisPresenceOptions options, bool ownsConnection)
    {
        ArgumentNullException.ThrowIfNull(redis);
        options.Validate();
        _redis = redis;
        _db = redis.GetDatabase();
        _options = options;
        _ownsConnection = ownsConnection;
    }

    /// <summary>
    /// Connects to Redis and returns a store that owns the connection. Returns within about
    /// <see cref="RedisPresenceOptions.ConnectTimeout"/> even if Redis is down: the store then keeps
    /// reconnecting and its calls fail until Redis answers.
    /// </summary>
    public static async Task<RedisPresenceStore> ConnectAsync(RedisPresenceOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var config = options.ToConfigurationOptions();
        var connect = ConnectionMultiplexer.ConnectAsync(config);
        try
        {
            // With AbortOnConnectFail off the client returns after ConnectTimeout even when Redis is down;
            // the wider bound only guards against a client that never returns.
            var redis = await connect.WaitAsync(options.ConnectTimeout * 3, ct);
            return new RedisPresenceStore(redis, options, ownsConnection: true);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // Abandoned: release the client if it still arrives.
            _ = connect.ContinueWith(static t => t.Result.Dispose(), CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            Observe(connect);
            if (e is TimeoutException)
                throw new PresenceStoreUnavailableException($"Redis ({options.Endpoints}) did not accept a connection within {options.ConnectTimeout * 3}", e);
            throw;
        }
    }

    public RedisPresenceOptions Options => _options;

    /// <summary>True while the client holds a live connection to Redis (for readiness probes).</summary>
    public bool IsConnected => _redis.IsConnected;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || !_ownsConnection) return;
        try
        {
            await _redis.CloseAsync(allowCommandsToComplete: false).WaitAsync(_options.OperationTimeout);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Closing a connection to a server that is gone: nothing left to release but the client.
        }
        _redis.Dispose();
    }

    ScriptArgs Args() => new(_options.KeyPrefix);

    /// <summary>
    /// Runs one script: one round trip. Turns every way Redis can be unreachable into
    /// <see cref="PresenceStoreUnavailableException"/> and never waits past the operation timeout.
    /// </summary>
    async Task<RedisResult> RunAsync(RedisScript script, ScriptArgs args, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0 && _ownsConnection, this);
        ct.ThrowIfCancellationRequested();
        var call = script.EvaluateAsync(_db, args.ToArray());
        try
        {
            return await call.WaitAsync(_options.OperationTimeout, ct);
        }
        catch (TimeoutException e) when (!call.IsCompleted || e is RedisTimeoutException)
        {
            Observe(call);
            throw new PresenceStoreUnavailableException(
                $"Redis ({_options.Endpoints}) did not answer the presence call '{script.Name}' within {_options.OperationTimeout.TotalMilliseconds:0} ms", e);
        }
        catch (OperationCanceledException)
        {
            Observe(call);
            throw;
        }
        catch (RedisConnectionException e)
        {
            throw new PresenceStoreUnavailableException(
                $"Redis ({_options.Endpoints}) is unreachable for the presence call '{script.Name}': {e.Message}", e);
        }
        catch (RedisServerException e) when (e.Message.StartsWith(NodeIdInUseError, StringComparison.Ordinal))
        {
            // prelude.lua's check_lease refused the write before it changed anything; the node's token follows.
            var token = e.Message.AsSpan(NodeIdInUseError.Length);
            var end = token.IndexOf(' ');
            throw new NodeIdInUseException(KeyToken.Decode((end < 0 ? token : token[..end]).ToString()));
        }
        catch (RedisServerException e) when (IsTransient(e.Message))
        {
            throw new PresenceStoreUnavailableException(
                $"Redis ({_options.Endpoints}) cannot serve the presence call '{script.Name}' now: {e.Message}", e);
        }
    }

    /// <summary>The error a script raises for a write that another instance's lease refuses (prelude.lua).</summary>
    const string NodeIdInUseError = "NODEIDINUSE ";

    /// <summary>Server answers that say "not now" rather than "wrong": loading, busy, a replica, a failover.</summary>
    static bool IsTransient(string message) =>
        message.StartsWith("LOADING", StringComparison.Ordinal) || message.StartsWith("BUSY", StringComparison.Ordinal)
        || message.StartsWith("READONLY", StringComparison.Ordinal) || message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
        || message.StartsWith("TRYAGAIN", StringComparison.Ordinal);

    /// <summary>A call we stopped waiting for may still fail later; observe it so it is not reported as unobserved.</summary>
    static void Observe(Task call) =>
        call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    static void CheckConn(string nsp, string conn)
    {
        PresenceIds.Check(nsp, nameof(nsp));
        PresenceIds.Check(conn, nameof(conn));
    }
}
