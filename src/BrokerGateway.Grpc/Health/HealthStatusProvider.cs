using System.Threading.Channels;

namespace BrokerGateway.Grpc.Health;

/// <summary>
/// The statuses <c>grpc.health.v1.Health</c> reports, one per service name; <c>""</c> is the whole
/// server (health-checking.md). The gateway sets them from its readiness; Watch streams follow each change.
/// Thread-safe.
/// </summary>
public sealed class HealthStatusProvider
{
    readonly Lock _gate = new();
    readonly Dictionary<string, ServingStatus> _statuses = new(StringComparer.Ordinal);
    readonly Dictionary<string, List<ChannelWriter<ServingStatus>>> _watchers = new(StringComparer.Ordinal);
    bool _terminal;

    /// <param name="overall">The initial status of <c>""</c>. Default SERVING: a server that answers is up.</param>
    public HealthStatusProvider(ServingStatus overall = ServingStatus.Serving) => Set("", overall);

    /// <summary>Sets a service's status (exact name match, case-sensitive) and tells its watchers.</summary>
    public void Set(string service, ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (status == ServingStatus.ServiceUnknown)
            throw new ArgumentException("SERVICE_UNKNOWN is what Watch reports for a name that was never set; use Clear.", nameof(status));
        lock (_gate)
        {
            if (_terminal) return;
            _statuses[service] = status;
            Notify(service, status);
        }
    }

    /// <summary>Forgets a service: Check answers NOT_FOUND again, watchers see SERVICE_UNKNOWN.</summary>
    public void Clear(string service)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_gate)
        {
            if (!_terminal && _statuses.Remove(service)) Notify(service, ServingStatus.ServiceUnknown);
        }
    }

    /// <summary>The status of a service, or null when it was never set.</summary>
    public ServingStatus? Get(string service)
    {
        lock (_gate) return _statuses.TryGetValue(service, out var status) ? status : null;
    }

    /// <summary>True once <see cref="EnterTerminalState"/> ran: every status is NOT_SERVING for good.</summary>
    public bool IsTerminal { get { lock (_gate) return _terminal; } }

    /// <summary>
    /// For shutdown: every service becomes NOT_SERVING and later <see cref="Set"/> calls are ignored, so
    /// a draining server never flips back to SERVING (grpc-java's enterTerminalState).
    /// </summary>
    public void EnterTerminalState()
    {
        lock (_gate)
        {
            _terminal = true;
            foreach (var service in _statuses.Keys.ToArray())
            {
                _statuses[service] = ServingStatus.NotServing;
                Notify(service, ServingStatus.NotServing);
            }
        }
    }

    /// <summary>
    /// A reader that holds the current status at once and then the latest one after each change
    /// (a capacity-1 channel that keeps the newest: a slow watcher skips states, never falls behind).
    /// Dispose the returned handle to stop watching.
    /// </summary>
    internal IDisposable Watch(string service, out ChannelReader<ServingStatus> reader)
    {
        var channel = Channel.CreateBounded<ServingStatus>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_gate)
        {
            channel.Writer.TryWrite(_statuses.TryGetValue(service, out var status) ? status : ServingStatus.ServiceUnknown);
            if (!_watchers.TryGetValue(service, out var list)) _watchers[service] = list = [];
            list.Add(channel.Writer);
        }
        reader = channel.Reader;
        return new Unwatch(this, service, channel.Writer);
    }

    void Notify(string service, ServingStatus status)
    {
        if (_watchers.TryGetValue(service, out var list))
            foreach (var writer in list) writer.TryWrite(status);
    }

    sealed class Unwatch(HealthStatusProvider owner, string service, ChannelWriter<ServingStatus> writer) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
            {
                if (owner._watchers.TryGetValue(service, out var list) && list.Remove(writer) && list.Count == 0)
                    owner._watchers.Remove(service);
            }
        }
    }
}
