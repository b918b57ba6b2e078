using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Connections;

namespace BrokerGateway.Core.Fanout;

/// <summary>
/// One push on its way to local sockets. It is encoded at most once per dialect on this replica, however
/// many sockets receive it (DESIGN §3 "encode a push once per replica").
/// </summary>
public sealed class Push(Target target, string @event, ReadOnlyMemory<byte> data, string? contentType = null)
{
    IClientDialect? _firstDialect;
    OutboundFrame _firstFrame;
    Dictionary<IClientDialect, OutboundFrame>? _others;

    public Target Target { get; } = target;
    public string Event { get; } = @event;

    /// <summary>The payload as published: opaque bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; } = data;

    /// <summary>A hint from the publisher (<c>Bgw-Content-Type</c>); dialects sniff the bytes when absent.</summary>
    public string? ContentType { get; } = contentType;

    /// <summary>A connection that must not receive this push (the sender of a room message, say).</summary>
    public string? ExcludeConn { get; init; }

    public OutboundFrame FrameFor(IClientDialect dialect)
    {
        // Fan-out runs on one subscription's delivery at a time, so this cache needs no lock.
        if (ReferenceEquals(dialect, _firstDialect)) return _firstFrame;
        if (_firstDialect is null)
        {
            _firstFrame = dialect.EncodePush(this);
            _firstDialect = dialect;
            return _firstFrame;
        }
        _others ??= [];
        if (!_others.TryGetValue(dialect, out var frame)) _others[dialect] = frame = dialect.EncodePush(this);
        return frame;
    }
}
