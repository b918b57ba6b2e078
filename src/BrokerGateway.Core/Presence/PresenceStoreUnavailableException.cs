namespace BrokerGateway.Core.Presence;

/// <summary>
/// The store could not be reached or did not answer in time (e.g. Redis is restarting). Transient: the
/// same call may succeed later. Callers map it to "not ready" / gRPC UNAVAILABLE and, for writes, mark
/// their state for a rewrite (<see cref="IPresenceStore.RestoreNodeAsync"/>) once the store is back.
/// </summary>
public sealed class PresenceStoreUnavailableException : Exception
{
    public PresenceStoreUnavailableException(string message) : base(message) { }
    public PresenceStoreUnavailableException(string message, Exception inner) : base(message, inner) { }
}
