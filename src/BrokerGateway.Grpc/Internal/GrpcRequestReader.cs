using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Google.Protobuf;

namespace BrokerGateway.Grpc.Internal;

/// <summary>Reads request messages off the HTTP/2 request body pipe (PROTOCOL-HTTP2 "Requests").</summary>
internal static class GrpcRequestReader
{
    /// <summary>
    /// The one message of a unary or server-streaming request. Zero or two messages → UNIMPLEMENTED
    /// (statuscodes.md); a message cut off by END_STREAM → INTERNAL.
    /// </summary>
    public static async ValueTask<T> ReadSingleAsync<T>(GrpcCallContext call, MessageParser<T> parser) where T : IMessage<T>
    {
        var reader = call.HttpContext.Request.BodyReader;
        var max = call.Options.MaxReceiveMessageSize;
        var encoding = call.RequestEncoding;
        var token = call.CancellationToken;
        T? message = default;
        var haveMessage = false;
        while (true)
        {
            var result = await reader.ReadAsync(token);
            var buffer = result.Buffer;
            try
            {
                if (!haveMessage && GrpcFraming.TryReadMessage(ref buffer, max, encoding, out var payload))
                {
                    message = GrpcFraming.Parse(parser, payload);
                    haveMessage = true;
                }
                if (haveMessage && !buffer.IsEmpty)
                    throw new GrpcException(StatusCode.Unimplemented, "Additional unexpected message for unary request.");
                if (result.IsCompleted)
                {
                    if (haveMessage) return message!;
                    throw buffer.IsEmpty
                        ? new GrpcException(StatusCode.Unimplemented, "Request did not contain a message.")
                        : new GrpcException(StatusCode.Internal, "Incomplete message: the request ended inside a message.");
                }
                if (result.IsCanceled) throw new OperationCanceledException(token);
            }
            finally
            {
                // consumed = first byte not parsed; examined = all seen, so the next read waits for more.
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

    /// <summary>The request stream of a client-streaming or bidi call, enumerable once.</summary>
    public static IAsyncEnumerable<T> ReadStream<T>(GrpcCallContext call, MessageParser<T> parser) where T : IMessage<T> =>
        new RequestStream<T>(call, parser);

    sealed class RequestStream<T>(GrpcCallContext call, MessageParser<T> parser) : IAsyncEnumerable<T> where T : IMessage<T>
    {
        int _enumerated;

        public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref _enumerated, 1) == 1)
                throw new InvalidOperationException("The request stream can be read only once.");
            return ReadAllAsync(call.HttpContext.Request.BodyReader, cancellationToken).GetAsyncEnumerator(cancellationToken);
        }

        async IAsyncEnumerable<T> ReadAllAsync(PipeReader reader, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var max = call.Options.MaxReceiveMessageSize;
            var encoding = call.RequestEncoding;
            using var linked = cancellationToken.CanBeCanceled
                ? CancellationTokenSource.CreateLinkedTokenSource(call.CancellationToken, cancellationToken) : null;
            var token = linked?.Token ?? call.CancellationToken;
            var batch = new List<T>();
            while (true)
            {
                var result = await reader.ReadAsync(token);
                var buffer = result.Buffer;
                var completed = result.IsCompleted;
                try
                {
                    // Take every complete message now: marking the buffer examined and then yielding one
                    // at a time would make the next read wait for bytes while messages sit unread.
                    while (GrpcFraming.TryReadMessage(ref buffer, max, encoding, out var payload))
                        batch.Add(GrpcFraming.Parse(parser, payload));
                    if (completed && !buffer.IsEmpty)
                        throw new GrpcException(StatusCode.Internal, "Incomplete message: the request ended inside a message.");
                    if (result.IsCanceled) throw new OperationCanceledException(token);
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }
                foreach (var message in batch) yield return message;
                batch.Clear();
                if (completed) yield break;
            }
        }
    }
}
