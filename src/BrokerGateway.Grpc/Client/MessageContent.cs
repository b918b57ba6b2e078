using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using BrokerGateway.Grpc.Internal;
using Google.Protobuf;

namespace BrokerGateway.Grpc.Client;

/// <summary>One length-prefixed request message, serialized when HttpClient sends the body.</summary>
internal sealed class MessageContent : HttpContent
{
    readonly IMessage _message;
    readonly int _size;

    public MessageContent(IMessage message, int? maxMessageSize)
    {
        _message = message;
        _size = message.CalculateSize();
        if (_size > maxMessageSize)
            throw new GrpcException(StatusCode.ResourceExhausted,
                $"Sending message exceeds the maximum configured message size ({_size} > {maxMessageSize}).");
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var length = GrpcProtocol.HeaderSize + _size;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Frame(_message, _size, buffer);
            await stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = GrpcProtocol.HeaderSize + _size;
        return true;
    }

    internal static void Frame(IMessage message, int size, byte[] buffer)
    {
        buffer[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(1), (uint)size);
        if (size > 0) message.WriteTo(buffer.AsSpan(GrpcProtocol.HeaderSize, size));
    }
}

/// <summary>
/// A request stream: each message is written and flushed as the source yields it, so the server sees it
/// at once; returning ends the request (END_STREAM). Unknown length, so HttpClient streams it.
/// </summary>
internal sealed class StreamingContent<T> : HttpContent where T : IMessage
{
    readonly IAsyncEnumerable<T> _messages;
    readonly int? _maxMessageSize;

    public StreamingContent(IAsyncEnumerable<T> messages, int? maxMessageSize)
    {
        _messages = messages;
        _maxMessageSize = maxMessageSize;
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await foreach (var message in _messages.WithCancellation(cancellationToken))
        {
            var size = message.CalculateSize();
            if (size > _maxMessageSize)
                throw new GrpcException(StatusCode.ResourceExhausted,
                    $"Sending message exceeds the maximum configured message size ({size} > {_maxMessageSize}).");
            var length = GrpcProtocol.HeaderSize + size;
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                MessageContent.Frame(message, size, buffer);
                await stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            await stream.FlushAsync(cancellationToken);
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
