using System.IO.Pipelines;
using BrokerGateway.Grpc.Internal;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace BrokerGateway.Grpc;

// Writing messages and the final status (PROTOCOL-HTTP2 "Responses"; the server state machine of
// docs/grpc.md): status in trailers once anything was sent, else all in one HEADERS (Trailers-Only).
public sealed partial class GrpcCallContext
{
    bool _messageWritten;
    bool _finished;
    int _writing;
    int _flushBlocked;

    /// <summary>The request's <c>grpc-encoding</c>, read once at the start of the call.</summary>
    internal string? RequestEncoding { get; private set; }

    /// <summary>Reads <c>grpc-encoding</c>, and arms the deadline of the caller's <c>grpc-timeout</c> (checked by the dispatcher).</summary>
    internal void Start(TimeSpan? timeout)
    {
        var headers = _http.Request.Headers;
        var encoding = headers[GrpcProtocol.EncodingHeader];
        if (encoding.Count > 0)
        {
            RequestEncoding = encoding.ToString();
            // Only identity is spoken here; saying so lets a client that compresses retry without it
            // (PROTOCOL-HTTP2 "Message-Accept-Encoding").
            if (!GrpcProtocol.IsIdentityEncoding(RequestEncoding))
                _http.Response.Headers[GrpcProtocol.AcceptEncodingHeader] = "identity";
        }
        if (timeout is not { } armed) return;
        _deadline = new ServerCallDeadlineManager(_options.TimeProvider, armed, _http.RequestAborted, OnDeadlineExceededAsync, ResetBlockedFlush);
        CancellationToken = _deadline.Token;
    }

    /// <summary>One streamed response message: prefix, serialize into the body pipe, flush.</summary>
    internal async Task WriteStreamMessageAsync(IMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Interlocked.Exchange(ref _writing, 1) == 1)
            throw new InvalidOperationException("A previous write is still in progress; await each WriteAsync.");
        CancellationTokenSource? linked = null;
        try
        {
            var token = CancellationToken;
            if (cancellationToken.CanBeCanceled && cancellationToken != token)
            {
                linked = CancellationTokenSource.CreateLinkedTokenSource(token, cancellationToken);
                token = linked.Token;
            }
            var responseLock = _deadline?.ResponseLock;
            if (responseLock is not null) await responseLock.WaitAsync(token);
            try
            {
                if (_finished) throw new InvalidOperationException("The call is complete; no more messages can be written.");
                token.ThrowIfCancellationRequested();
                var writer = _http.Response.BodyWriter;
                GrpcFraming.WriteMessage(writer, message, _options.MaxSendMessageSize);
                _messageWritten = true;
                var flush = writer.FlushAsync(token);
                FlushResult result;
                if (flush.IsCompleted)
                {
                    result = flush.Result;
                }
                else
                {
                    Volatile.Write(ref _flushBlocked, 1);
                    try { result = await flush; }
                    finally { Volatile.Write(ref _flushBlocked, 0); }
                }
                if (result.IsCanceled || _http.RequestAborted.IsCancellationRequested)
                    throw new OperationCanceledException("The call was cancelled.", token);
            }
            finally
            {
                responseLock?.Release();
            }
        }
        finally
        {
            linked?.Dispose();
            Volatile.Write(ref _writing, 0);
        }
    }

    /// <summary>Ends the call OK, writing the unary response first when there is one.</summary>
    internal Task CompleteAsync(IMessage? response)
    {
        if (_deadline is null)
        {
            // No timer, so no other writer: the synchronous fast path.
            CompleteCore(response);
            return Task.CompletedTask;
        }
        return CompleteLockedAsync(response);
    }

    async Task CompleteLockedAsync(IMessage? response)
    {
        await _deadline!.ResponseLock.WaitAsync();
        try { CompleteCore(response); }
        finally { _deadline.ResponseLock.Release(); }
    }

    void CompleteCore(IMessage? response)
    {
        if (_finished) return;
        if (_deadline?.IsExceeded == true)
        {
            // The handler finished after the deadline: the caller is owed DEADLINE_EXCEEDED, not OK.
            WriteStatus(StatusCode.DeadlineExceeded, "Deadline Exceeded");
            return;
        }
        if (response is not null)
        {
            try
            {
                GrpcFraming.WriteMessage(_http.Response.BodyWriter, response, _options.MaxSendMessageSize);
            }
            catch (GrpcException ex)
            {
                WriteStatus(ex.StatusCode, ex.Detail);
                return;
            }
            _messageWritten = true;
        }
        WriteStatus(StatusCode.OK, null);
    }

    /// <summary>Maps what the handler (or the framing) threw to a status (docs/grpc.md "Status mapping").</summary>
    internal async Task CompleteWithExceptionAsync(Exception exception)
    {
        var responseLock = _deadline?.ResponseLock;
        if (responseLock is not null) await responseLock.WaitAsync();
        try
        {
            if (_finished) return;
            if (_http.RequestAborted.IsCancellationRequested)
            {
                // The stream is gone (RST_STREAM or connection loss): nothing can be sent.
                GrpcServerLog.CallCancelled(_logger, Method);
                _finished = true;
                return;
            }
            if (_deadline?.IsExceeded == true)
            {
                WriteStatus(StatusCode.DeadlineExceeded, "Deadline Exceeded");
                return;
            }
            switch (exception)
            {
                case GrpcException grpc:
                    GrpcServerLog.CallFailed(_logger, Method, grpc.StatusCode, grpc.Detail);
                    WriteStatus(grpc.StatusCode, grpc.Detail);
                    break;
                default:
                    GrpcServerLog.HandlerFailed(_logger, Method, exception);
                    // Never the exception's text: it may carry internals (connection strings, paths).
                    WriteStatus(_options.UnhandledExceptionStatus, "Exception was thrown by handler.");
                    break;
            }
        }
        finally
        {
            responseLock?.Release();
        }
    }

    /// <summary>Last step of every call, after its status was written: the timer goes.</summary>
    internal void End() => _deadline?.Dispose();

    /// <summary>
    /// At the deadline, a message still waiting for the caller's flow-control window can never be followed
    /// by the status (trailers do not overtake data): the stream is reset with CANCEL, as for any deadline
    /// whose status cannot be sent. Done before the call's token is cancelled, because Kestrel answers a
    /// cancelled flush by resetting the stream with INTERNAL_ERROR, which a caller reads as a server failure.
    /// </summary>
    void ResetBlockedFlush()
    {
        if (Volatile.Read(ref _flushBlocked) == 1) _http.Features.Get<IHttpResetFeature>()?.Reset(8);
    }

    async Task OnDeadlineExceededAsync(ServerCallDeadlineManager deadline)
    {
        GrpcServerLog.DeadlineExceeded(_logger, Method, deadline.Timeout);
        await deadline.ResponseLock.WaitAsync();
        try
        {
            if (_finished) return;
            if (_http.RequestAborted.IsCancellationRequested) { _finished = true; return; }
            WriteStatus(StatusCode.DeadlineExceeded, "Deadline Exceeded");
            // Send the status now even if the handler ignores its token, then reset the stream with
            // CANCEL so the caller stops sending (PROTOCOL-HTTP2 "Timeout"; grpc-dotnet does the same).
            await _http.Features.GetRequiredFeature<IHttpResponseBodyFeature>().CompleteAsync();
            _http.Features.Get<IHttpResetFeature>()?.Reset(8);
        }
        catch (Exception ex)
        {
            GrpcServerLog.DeadlineStatusFailed(_logger, Method, ex);
        }
        finally
        {
            deadline.ResponseLock.Release();
        }
    }

    /// <summary>Status plus custom trailers: as trailers after a message, else Trailers-Only in the headers.</summary>
    internal void WriteStatus(StatusCode code, string? detail)
    {
        _finished = true;
        var response = _http.Response;
        if (response.HasStarted || _messageWritten)
        {
            response.AppendTrailer(GrpcProtocol.StatusHeader, GrpcProtocol.ToWire(code));
            if (!string.IsNullOrEmpty(detail)) response.AppendTrailer(GrpcProtocol.MessageHeader, GrpcMessageText.Encode(detail));
            if (_trailers is not null)
                foreach (var (name, value) in _trailers) response.AppendTrailer(name, value);
        }
        else
        {
            var headers = response.Headers;
            headers[GrpcProtocol.StatusHeader] = GrpcProtocol.ToWire(code);
            if (!string.IsNullOrEmpty(detail)) headers[GrpcProtocol.MessageHeader] = GrpcMessageText.Encode(detail);
            if (_trailers is not null)
                foreach (var (name, value) in _trailers) headers.Append(name, value);
        }
    }
}
