using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

namespace BrokerGateway.Grpc.Internal;

/// <summary>
/// Length-Prefixed-Message framing (PROTOCOL-HTTP2 "Length-Prefixed-Message"):
/// <c>[flag:1][length:4, big-endian][message:length]</c>. DATA frame boundaries mean nothing; a message
/// may span frames and a frame may carry several.
/// </summary>
internal static class GrpcFraming
{
    /// <summary>
    /// Takes one complete message off the front of <paramref name="buffer"/>. Returns false when more bytes
    /// are needed. The declared length is checked against <paramref name="maxMessageSize"/> as soon as the
    /// 5-byte prefix is in, before any payload is waited for or buffered.
    /// </summary>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, int maxMessageSize, string? requestEncoding,
        out ReadOnlySequence<byte> message)
    {
        message = default;
        if (buffer.Length < GrpcProtocol.HeaderSize) return false;

        Span<byte> header = stackalloc byte[GrpcProtocol.HeaderSize];
        buffer.Slice(0, GrpcProtocol.HeaderSize).CopyTo(header);
        var flag = header[0];
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);

        if (length > (uint)maxMessageSize)
            throw new GrpcException(StatusCode.ResourceExhausted,
                $"Received message exceeds the maximum configured message size ({length} > {maxMessageSize}).");
        if (flag != 0)
        {
            if (flag != 1)
                throw new GrpcException(StatusCode.Internal, $"Unknown message flag {flag}.");
            // Flag 1 means "compressed with grpc-encoding": nothing was declared → INTERNAL; an encoding
            // we lack → UNIMPLEMENTED. Only identity is supported here.
            throw GrpcProtocol.IsIdentityEncoding(requestEncoding)
                ? new GrpcException(StatusCode.Internal, "Compressed message received without a grpc-encoding.")
                : new GrpcException(StatusCode.Unimplemented, $"Unsupported grpc-encoding '{requestEncoding}'. Supported: identity.");
        }

        var total = GrpcProtocol.HeaderSize + (long)length;
        if (buffer.Length < total) return false;
        message = buffer.Slice(GrpcProtocol.HeaderSize, length);
        buffer = buffer.Slice(total);
        return true;
    }

    /// <summary>Writes the prefix and then serializes the message straight after it, no copy.</summary>
    public static void WriteMessage(IBufferWriter<byte> writer, IMessage message, int? maxMessageSize)
    {
        var size = message.CalculateSize();
        if (size > maxMessageSize)
            throw new GrpcException(StatusCode.ResourceExhausted,
                $"Sending message exceeds the maximum configured message size ({size} > {maxMessageSize}).");
        var header = writer.GetSpan(GrpcProtocol.HeaderSize);
        header[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)size);
        writer.Advance(GrpcProtocol.HeaderSize);
        if (size > 0) message.WriteTo(writer);
    }

    /// <summary>Parses a message payload; a protobuf error is a framing-level INTERNAL (not the caller's argument).</summary>
    public static T Parse<T>(MessageParser<T> parser, in ReadOnlySequence<byte> payload) where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new GrpcException(StatusCode.Internal, "Failed to deserialize the message.", [], ex);
        }
    }
}
