using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using BrokerGateway.Grpc.Internal;
using Google.Protobuf;

namespace BrokerGateway.Grpc.Client;

/// <summary>
/// One call from the client side: sends the request, then reads messages and derives the status in the
/// order of docs/grpc.md "Client" (transport error, Trailers-Only, HTTP version, HTTP status,
/// content type, trailers, local deadline).
/// </summary>
internal sealed class ClientCall : IDisposable
{
    static readonly TimeSpan MaxTimerDueTime = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    readonly CancellationToken _callerToken;
    readonly CancellationTokenSource? _deadlineCts;
    readonly CancellationToken _token;
    readonly TimeSpan? _timeout;
    readonly int _maxReceiveMessageSize;
    readonly byte[] _prefix = new byte[GrpcProtocol.HeaderSize];
    HttpResponseMessage? _response;
    Stream? _body;
    bool _trailersOnly;

    public ClientCall(TimeSpan? timeout, CancellationToken cancellationToken, int maxReceiveMessageSize)
    {
        _callerToken = cancellationToken;
        _timeout = timeout;
        _maxReceiveMessageSize = maxReceiveMessageSize;
        if (timeout is { } t && t > TimeSpan.Zero)
        {
            _deadlineCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            // A timer cannot wait longer than about 49.7 days: a longer timeout only goes to the server.
            if (t <= MaxTimerDueTime) _deadlineCts.CancelAfter(t);
            _token = _deadlineCts.Token;
        }
        else
        {
            _token = cancellationToken;
        }
    }

    bool DeadlinePassed => _timeout <= TimeSpan.Zero || (_deadlineCts?.IsCancellationRequested == true && !_callerToken.IsCancellationRequested);

    public async Task SendAsync(HttpMessageInvoker invoker, HttpRequestMessage request)
    {
        using (request)
        {
            // A deadline already over fails here, without a round trip (as grpc-dotnet).
            if (_timeout <= TimeSpan.Zero) throw DeadlineExceeded();
            try
            {
                _response = await invoker.SendAsync(request, _token);
            }
            catch (Exception ex) when (ex is not GrpcException)
            {
                throw Map(ex);
            }
        }
        var response = _response;
        if (response.Headers.Contains(GrpcProtocol.StatusHeader))
        {
            // Trailers-Only: the first HEADERS carried the status, and they are the trailers.
            _trailersOnly = true;
            return;
        }
        if (response.Version.Major < 2)
            throw new GrpcException(StatusCode.Internal, $"Bad gRPC response: the response came over HTTP/{response.Version}.");
        if (response.StatusCode != HttpStatusCode.OK)
            throw new GrpcException(FromHttpStatus(response.StatusCode), $"Bad gRPC response: HTTP status code {(int)response.StatusCode}.");
        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (!GrpcProtocol.IsAnyGrpcContentType(contentType))
            throw new GrpcException(StatusCode.Internal, $"Bad gRPC response: content type '{contentType}'.");
        try
        {
            _body = await response.Content.ReadAsStreamAsync(_token);
        }
        catch (Exception ex) when (ex is not GrpcException)
        {
            throw Map(ex);
        }
    }

    /// <summary>The next message, or false at the end of the body.</summary>
    public async ValueTask<(bool Found, T? Message)> ReadMessageAsync<T>(MessageParser<T> parser) where T : IMessage<T>
    {
        if (_trailersOnly || _body is null) return (false, default);
        try
        {
            var read = await _body.ReadAtLeastAsync(_prefix, GrpcProtocol.HeaderSize, throwOnEndOfStream: false, _token);
            if (read == 0) return (false, default);
            if (read < GrpcProtocol.HeaderSize)
                throw new GrpcException(StatusCode.Internal, "Incomplete message: the response ended inside a message prefix.");
            if (_prefix[0] != 0)
                throw new GrpcException(StatusCode.Internal, "Compressed response message, but no compression was asked for.");
            var length = BinaryPrimitives.ReadUInt32BigEndian(_prefix.AsSpan(1));
            if (length > (uint)_maxReceiveMessageSize)
                throw new GrpcException(StatusCode.ResourceExhausted,
                    $"Received message exceeds the maximum configured message size ({length} > {_maxReceiveMessageSize}).");
            if (length == 0) return (true, parser.ParseFrom(ReadOnlySequence<byte>.Empty));
            var buffer = ArrayPool<byte>.Shared.Rent((int)length);
            try
            {
                var got = await _body.ReadAtLeastAsync(buffer.AsMemory(0, (int)length), (int)length, throwOnEndOfStream: false, _token);
                if (got < length)
                    throw new GrpcException(StatusCode.Internal, "Incomplete message: the response ended inside a message.");
                return (true, parser.ParseFrom(new ReadOnlySequence<byte>(buffer, 0, (int)length)));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new GrpcException(StatusCode.Internal, "Failed to deserialize the response message.", [], ex);
        }
        catch (Exception ex) when (ex is not GrpcException)
        {
            throw Map(ex);
        }
    }

    /// <summary>After the body's end: the status from the trailers (or the Trailers-Only headers).</summary>
    public Task FinishAsync()
    {
        var response = _response!;
        // TrailingHeaders are filled only once the body was read to its end.
        var trailers = _trailersOnly ? (HttpHeaders)response.Headers : response.TrailingHeaders;
        StatusCode code;
        string detail;
        if (!trailers.TryGetValues(GrpcProtocol.StatusHeader, out var statusValues))
        {
            code = StatusCode.Cancelled;
            detail = "No grpc-status found on response.";
        }
        else if (!int.TryParse(statusValues.FirstOrDefault(), System.Globalization.NumberStyles.None, null, out var number))
        {
            code = StatusCode.Unknown;
            detail = $"Unparsable grpc-status '{statusValues.FirstOrDefault()}'.";
        }
        else
        {
            code = (StatusCode)number;
            detail = trailers.TryGetValues(GrpcProtocol.MessageHeader, out var messages)
                ? GrpcMessageText.Decode(messages.FirstOrDefault()) : "";
        }
        // Past the local deadline the status is ours, whatever the server said after it (§ "Deadline").
        if (code != StatusCode.OK && DeadlinePassed) throw DeadlineExceeded();
        if (code != StatusCode.OK) throw new GrpcException(code, detail, Metadata(trailers));
        return Task.CompletedTask;
    }

    GrpcException DeadlineExceeded() => new(StatusCode.DeadlineExceeded, "Deadline Exceeded");

    GrpcException Map(Exception ex)
    {
        if (DeadlinePassed) return DeadlineExceeded();
        if (ex is OperationCanceledException && _callerToken.IsCancellationRequested)
            return new GrpcException(StatusCode.Cancelled, "Call cancelled by the caller.", [], ex);
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is HttpProtocolException protocol)
                return new GrpcException(FromResetCode(protocol.ErrorCode), $"HTTP/2 error {protocol.ErrorCode}: {protocol.Message}", [], ex);
        }
        return ex switch
        {
            HttpRequestException or IOException => new GrpcException(StatusCode.Unavailable, $"Error talking to the server: {ex.Message}", [], ex),
            OperationCanceledException or ObjectDisposedException => new GrpcException(StatusCode.Cancelled, "Call cancelled.", [], ex),
            _ => new GrpcException(StatusCode.Internal, $"Error in the call: {ex.Message}", [], ex),
        };
    }

    /// <summary>RST_STREAM / GOAWAY error code → status (http-grpc-status-mapping.md).</summary>
    internal static StatusCode FromResetCode(long code) => code switch
    {
        7 => StatusCode.Unavailable,          // REFUSED_STREAM: never processed, safe to retry
        8 => StatusCode.Cancelled,            // CANCEL
        11 => StatusCode.ResourceExhausted,   // ENHANCE_YOUR_CALM
        12 => StatusCode.PermissionDenied,    // INADEQUATE_SECURITY
        _ => StatusCode.Internal,
    };

    /// <summary>HTTP status → status, used only when no grpc-status was sent (http-grpc-status-mapping.md).</summary>
    internal static StatusCode FromHttpStatus(HttpStatusCode status) => (int)status switch
    {
        400 or 431 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    static IReadOnlyList<KeyValuePair<string, string>> Metadata(HttpHeaders headers)
    {
        List<KeyValuePair<string, string>>? list = null;
        foreach (var (name, values) in headers)
        {
            if (name.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase) || name.Equals("content-type", StringComparison.OrdinalIgnoreCase)) continue;
            foreach (var value in values) (list ??= []).Add(new(name, value));
        }
        return list ?? (IReadOnlyList<KeyValuePair<string, string>>)[];
    }

    public void Dispose()
    {
        // Disposing an unfinished response sends RST_STREAM CANCEL, so the server stops too.
        _body?.Dispose();
        _response?.Dispose();
        _deadlineCts?.Dispose();
    }
}
