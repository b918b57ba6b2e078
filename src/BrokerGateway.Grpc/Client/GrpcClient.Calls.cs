using System.Runtime.CompilerServices;
using Google.Protobuf;

namespace BrokerGateway.Grpc.Client;

public sealed partial class GrpcClient
{
    /// <summary>A unary call. Throws <see cref="GrpcException"/> for every status but OK.</summary>
    public Task<TResponse> UnaryAsync<TRequest, TResponse>(string method, TRequest request, MessageParser<TResponse> parser,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where TRequest : IMessage
        where TResponse : IMessage<TResponse>
        => UnaryAsync(method, request, parser, WithTimeout(timeout), cancellationToken);

    /// <inheritdoc cref="UnaryAsync{TRequest,TResponse}(string,TRequest,MessageParser{TResponse},TimeSpan?,CancellationToken)"/>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(string method, TRequest request, MessageParser<TResponse> parser,
        GrpcCallOptions? options, CancellationToken cancellationToken = default)
        where TRequest : IMessage
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(parser);
        CheckMethod(method);
        using var call = await StartAsync(method, new MessageContent(request, _options.MaxSendMessageSize), options, cancellationToken);
        var (found, response) = await call.ReadMessageAsync(parser);
        if (!found)
        {
            await call.FinishAsync();
            // OK with no message breaks the unary contract (PROTOCOL-HTTP2; grpc-dotnet does the same).
            throw new GrpcException(StatusCode.Unimplemented, "No message returned for a unary call.");
        }
        var (extra, _) = await call.ReadMessageAsync(parser);
        if (extra)
        {
            throw new GrpcException(StatusCode.Unimplemented, "More than one message returned for a unary call.");
        }
        await call.FinishAsync();
        return response!;
    }

    /// <summary>A server-streaming call: messages as they arrive; the enumeration ends when the call ends OK.</summary>
    public IAsyncEnumerable<TResponse> ServerStreamingAsync<TRequest, TResponse>(string method, TRequest request,
        MessageParser<TResponse> parser, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
        where TRequest : IMessage
        where TResponse : IMessage<TResponse>
        => ServerStreamingAsync(method, request, parser, WithTimeout(timeout), cancellationToken);

    /// <inheritdoc cref="ServerStreamingAsync{TRequest,TResponse}(string,TRequest,MessageParser{TResponse},TimeSpan?,CancellationToken)"/>
    public IAsyncEnumerable<TResponse> ServerStreamingAsync<TRequest, TResponse>(string method, TRequest request,
        MessageParser<TResponse> parser, GrpcCallOptions? options, CancellationToken cancellationToken = default)
        where TRequest : IMessage
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(parser);
        CheckMethod(method);
        return ReadAllAsync(method, new MessageContent(request, _options.MaxSendMessageSize), parser, options, cancellationToken);
    }

    /// <summary>
    /// A bidirectional (or client-streaming) call: <paramref name="requests"/> is sent as it yields, while
    /// responses come back; the request stream ends (END_STREAM) when the enumeration ends.
    /// </summary>
    public IAsyncEnumerable<TResponse> DuplexStreamingAsync<TRequest, TResponse>(string method, IAsyncEnumerable<TRequest> requests,
        MessageParser<TResponse> parser, GrpcCallOptions? options = null, CancellationToken cancellationToken = default)
        where TRequest : IMessage
        where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(parser);
        CheckMethod(method);
        return ReadAllAsync(method, new StreamingContent<TRequest>(requests, _options.MaxSendMessageSize), parser, options, cancellationToken);
    }

    async IAsyncEnumerable<TResponse> ReadAllAsync<TResponse>(string method, HttpContent content, MessageParser<TResponse> parser,
        GrpcCallOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>
    {
        using var call = await StartAsync(method, content, options, cancellationToken);
        while (true)
        {
            var (found, message) = await call.ReadMessageAsync(parser);
            if (!found) break;
            yield return message!;
        }
        await call.FinishAsync();
    }

    async Task<ClientCall> StartAsync(string method, HttpContent content, GrpcCallOptions? options, CancellationToken cancellationToken)
    {
        var timeout = Remaining(options);
        var call = new ClientCall(timeout, cancellationToken, _options.MaxReceiveMessageSize);
        try
        {
            await call.SendAsync(_invoker, CreateRequest(method, content, options, timeout));
            return call;
        }
        catch
        {
            call.Dispose();
            throw;
        }
    }
}
