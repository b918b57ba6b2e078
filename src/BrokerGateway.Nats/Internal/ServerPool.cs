namespace BrokerGateway.Nats.Internal;

/// <summary>
/// The servers a connection may use: the configured seeds plus those the cluster announces. Order is the
/// try order; the current server always goes last on reconnect so a failed or lame-duck server is tried after
/// the others (digest §11, §12). Thread-safe.
/// </summary>
sealed class ServerPool
{
    readonly object _lock = new();
    readonly List<ServerAddress> _servers;
    ServerAddress? _current;

    public ServerPool(IEnumerable<ServerAddress> seeds)
    {
        _servers = [];
        foreach (var seed in seeds)
            if (!_servers.Exists(s => SameServer(s, seed))) _servers.Add(seed);
    }

    public ServerAddress? Current { get { lock (_lock) return _current; } }

    public IReadOnlyList<ServerAddress> Snapshot() { lock (_lock) return [.. _servers]; }

    public void SetCurrent(ServerAddress server) { lock (_lock) _current = server; }

    /// <summary>The order for one reconnect pass: everyone after the current server, the current one last.</summary>
    public IReadOnlyList<ServerAddress> ReconnectOrder()
    {
        lock (_lock)
        {
            var index = _current is null ? -1 : _servers.FindIndex(s => SameServer(s, _current));
            if (index < 0) return [.. _servers];
            return [.. _servers.Skip(index + 1), .. _servers.Take(index + 1)];
        }
    }

    /// <summary>
    /// Merges INFO <c>connect_urls</c>: new ones join as implicit servers with the current server's credentials;
    /// implicit ones no longer announced leave (never the seeds, never the current one). Returns whether the pool changed.
    /// </summary>
    public bool Merge(IReadOnlyList<string> connectUrls)
    {
        var announced = new List<ServerAddress>();
        foreach (var url in connectUrls)
        {
            try { announced.Add(ServerAddress.Parse(url, isImplicit: true)); }
            catch (ArgumentException) { /* a malformed announcement is ignored; the pool keeps what works */ }
        }
        lock (_lock)
        {
            var changed = false;
            var credentials = _current ?? _servers.FirstOrDefault();
            foreach (var a in announced)
            {
                if (_servers.Exists(s => SameServer(s, a))) continue;
                _servers.Add(a with { User = credentials?.User, Password = credentials?.Password, Token = credentials?.Token });
                changed = true;
            }
            changed |= _servers.RemoveAll(s => s.IsImplicit
                && (_current is null || !SameServer(s, _current))
                && !announced.Exists(a => SameServer(a, s))) > 0;
            return changed;
        }
    }

    static bool SameServer(ServerAddress a, ServerAddress b) =>
        a.Port == b.Port && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase);
}
