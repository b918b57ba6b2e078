using System.Buffers.Text;
using System.Text;
using BrokerGateway.Nats.Internal;

namespace BrokerGateway.Nats;

public sealed partial class NatsConnection
{
    /// <summary>
    /// The read loop of one session (STYLE §9): parse every complete command in the buffer, then receive more.
    /// It never runs user code and never waits for a handler; any protocol error ends the session (and so
    /// reconnects), it never escapes.
    /// </summary>
    async Task RunReaderAsync(Session session)
    {
        var reader = session.Reader;
        try
        {
            while (true)
            {
                while (reader.TryRead(out var op, out var frame)) Dispatch(session, op, frame);
                StartDeliveries(session);
                if (!await reader.FillAsync(session.Token).ConfigureAwait(false))
                {
                    session.End(new NatsConnectionException($"{session.Server} closed the connection"));
                    return;
                }
            }
        }
        catch (Exception ex)
        {
            session.End(ex is NatsException ? ex : new NatsConnectionException($"reading from {session.Server} failed: {ex.Message}", ex));
        }
        finally
        {
            StartDeliveries(session);
        }
    }

    /// <summary>Starts the subscriptions that got their first waiting message during this pass over the buffer.</summary>
    static void StartDeliveries(Session session)
    {
        var toStart = session.ToStart;
        foreach (var delivery in toStart) delivery.Schedule();
        toStart.Clear();
        if (toStart.Capacity > 1024) toStart.Capacity = 16;
    }

    void Dispatch(Session session, in ServerOp op, ReadOnlySpan<byte> frame)
    {
        switch (op.Kind)
        {
            case ServerOpKind.Msg or ServerOpKind.HMsg:
                OnMessage(session, op, frame);
                break;
            case ServerOpKind.Ping:
                _writer.OwePong();
                break;
            case ServerOpKind.Pong:
                Volatile.Write(ref session.PingsOut, 0);
                _writer.OnPong();
                break;
            case ServerOpKind.Ok:
                break;
            case ServerOpKind.Err:
                var error = new NatsServerErrorException(Unquote(frame.Slice(op.ArgStart, op.ArgLength)));
                // Fatal errors are followed by the server closing the socket (digest §6); leave first.
                if (error.IsNonFatal) ReportHandlerError(error, null);
                else session.End(error);
                break;
            case ServerOpKind.Info:
                ApplyInfo(session, NatsServerInfo.Parse(frame.Slice(op.ArgStart, op.ArgLength)), asynchronous: true);
                break;
        }
    }

    void ApplyInfo(Session session, NatsServerInfo info, bool asynchronous)
    {
        session.Info = info;
        Volatile.Write(ref _serverInfo, info);
        _writer.UpdateServerInfo(info);
        if (info.ConnectUrls.Count > 0) _pool.Merge(info.ConnectUrls);
        // Lame duck (digest §12): the server will close us soon; move now, while other servers take clients.
        // Only for news after the handshake: leaving a server that said so at once would loop with no backoff.
        if (asynchronous && info.LameDuckMode) session.End(new NatsConnectionException($"{session.Server} entered lame duck mode"));
    }

    void OnMessage(Session session, in ServerOp op, ReadOnlySpan<byte> frame)
    {
        // Messages for a sid we no longer have were in flight when we unsubscribed.
        if (!_subscriptions.TryGetValue(op.Sid, out var subscription)) return;
        var received = subscription.CountReceived();
        var max = subscription.MaxMessages;
        if (max > 0 && received >= max)
        {
            _writer.Forget(subscription);
            if (received > max) return;
        }
        var subjectBytes = frame.Slice(op.SubjectStart, op.SubjectLength);
        if (subscription.IsInbox)
        {
            OnReply(op, frame, subjectBytes);
            return;
        }
        var subject = subscription.IsLiteral && Ascii.Equals(subjectBytes, subscription.Subject)
            ? subscription.Subject
            : Encoding.UTF8.GetString(subjectBytes);
        var msg = CreateMessage(op, frame, subject);
        var delivery = subscription.Delivery!;
        if (delivery.Enqueue(msg, out var schedule, out var report))
        {
            if (schedule) session.ToStart.Add(delivery);
        }
        else if (report) ReportDropped(subscription);
    }

    NatsMsg CreateMessage(in ServerOp op, ReadOnlySpan<byte> frame, string subject)
    {
        var replyTo = op.ReplyStart < 0 ? null : Encoding.UTF8.GetString(frame.Slice(op.ReplyStart, op.ReplyLength));
        NatsHeaders? headers = null;
        if (op.Kind == ServerOpKind.HMsg && op.HeaderLength > 0)
        {
            try
            {
                headers = HeaderCodec.Parse(frame.Slice(op.PayloadStart, op.HeaderLength));
            }
            catch (NatsProtocolException ex)
            {
                // The framing was sound, only the sender's header block is not: deliver without headers.
                ReportHandlerError(ex, null);
            }
        }
        var payload = frame.Slice(op.PayloadStart + op.HeaderLength, op.TotalLength - op.HeaderLength);
        return new NatsMsg(subject, replyTo, headers, payload.IsEmpty ? ReadOnlyMemory<byte>.Empty : payload.ToArray(), this);
    }

    /// <summary>A reply on the shared inbox: the token after the prefix names the waiting request (digest §10).</summary>
    void OnReply(in ServerOp op, ReadOnlySpan<byte> frame, ReadOnlySpan<byte> subjectBytes)
    {
        var prefix = _inboxPrefixBytes;
        if (prefix is null || !subjectBytes.StartsWith(prefix)) return;
        var token = subjectBytes[prefix.Length..];
        if (!Utf8Parser.TryParse(token, out long id, out var used) || used != token.Length) return;
        // Unknown ids are replies that came after their request timed out or was cancelled.
        if (!_requests.TryRemove(id, out var pending)) return;
        var msg = CreateMessage(op, frame, Encoding.UTF8.GetString(subjectBytes));
        if (msg.Headers?.StatusCode == 503 && msg.Data.IsEmpty) pending.TrySetException(new NatsNoRespondersException(pending.Subject));
        else pending.TrySetResult(msg);
    }
}
