using Microsoft.Extensions.Logging;

namespace BrokerGateway.Grpc.Internal;

/// <summary>Why the dispatcher refused a call before any handler ran.</summary>
internal enum RefusalReason { UnsupportedProtocol, UnsupportedContentType, UnimplementedMethod, Unauthenticated, InvalidTimeout }

/// <summary>
/// Logs calls refused before a handler runs. A misconfigured backend (a wrong token, a wrong path or
/// content type, a malformed <c>grpc-timeout</c>) repeats the same refusal on every call, so each one is logged at Debug, and an operator
/// still hears of it through one Warning per reason per <see cref="WarningInterval"/>, which counts the
/// refusals of that reason since the previous one.
/// </summary>
internal sealed class RefusalLog(ILogger logger, TimeProvider time)
{
    public static readonly TimeSpan WarningInterval = TimeSpan.FromMinutes(1);

    readonly Lock _gate = new();
    readonly (DateTimeOffset? LastWarning, long Since)[] _reasons = new (DateTimeOffset?, long)[Enum.GetValues<RefusalReason>().Length];

    public void Refused(RefusalReason reason, string example)
    {
        var now = time.GetUtcNow();
        long count;
        lock (_gate)
        {
            ref var state = ref _reasons[(int)reason];
            state.Since++;
            if (state.LastWarning is { } last && now - last < WarningInterval) return;
            count = state.Since;
            state = (now, 0);
        }
        GrpcServerLog.CallsRefused(logger, reason, count, example, WarningInterval);
    }
}
