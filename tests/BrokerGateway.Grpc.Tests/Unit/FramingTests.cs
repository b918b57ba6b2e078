using System.Buffers;
using BrokerGateway.Grpc.Internal;
using BrokerGateway.Grpc.Tests.Echo;

namespace BrokerGateway.Grpc.Tests.Unit;

public class FramingTests
{
    static byte[] Hex(string hex) => Convert.FromHexString(hex);

    static byte[] Write(Google.Protobuf.IMessage message)
    {
        var writer = new ArrayBufferWriter<byte>();
        GrpcFraming.WriteMessage(writer, message, null);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>A sequence of many segments, sized as given, to mimic DATA frames of any size.</summary>
    static ReadOnlySequence<byte> Segments(byte[] bytes, int segmentSize)
    {
        Segment? first = null, last = null;
        for (var i = 0; i < bytes.Length; i += segmentSize)
        {
            var chunk = bytes.AsMemory(i, Math.Min(segmentSize, bytes.Length - i));
            if (first is null) first = last = new Segment(chunk, 0);
            else last = last!.Append(chunk);
        }
        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long index) { Memory = memory; RunningIndex = index; }
        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    [Fact]
    public void A_message_is_written_as_flag_then_big_endian_length_then_protobuf()
    {
        Assert.Equal(Hex("00000000070a0568656c6c6f"), Write(new EchoResponse { Text = "hello" }));
    }

    [Fact]
    public void An_empty_message_is_still_five_bytes()
    {
        Assert.Equal(Hex("0000000000"), Write(new EchoResponse()));
    }

    [Fact]
    public void The_length_is_read_big_endian()
    {
        var frame = new byte[5 + 256];
        frame[3] = 1; // 00 00 01 00 = 256
        var buffer = new ReadOnlySequence<byte>(frame);
        Assert.True(GrpcFraming.TryReadMessage(ref buffer, 1024, null, out var message));
        Assert.Equal(256, message.Length);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void A_declared_length_over_the_limit_is_refused_from_the_prefix_alone()
    {
        // Only the 5-byte prefix has arrived: the refusal must not wait for (or buffer) the payload.
        var buffer = new ReadOnlySequence<byte>(Hex("0000100001"));
        var ex = Assert.Throws<GrpcException>(() => GrpcFraming.TryReadMessage(ref buffer, 1024 * 1024, null, out _));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public void A_message_exactly_at_the_limit_is_accepted()
    {
        var buffer = new ReadOnlySequence<byte>(RawGrpc.Frame(new byte[100]));
        Assert.True(GrpcFraming.TryReadMessage(ref buffer, 100, null, out var message));
        Assert.Equal(100, message.Length);
    }

    [Fact]
    public void Decoding_survives_one_byte_segments()
    {
        var bytes = Write(new EchoResponse { Text = "split across many frames", Index = 7 });
        var buffer = Segments(bytes, 1);
        Assert.True(GrpcFraming.TryReadMessage(ref buffer, 1024, null, out var payload));
        Assert.Equal("split across many frames", EchoResponse.Parser.ParseFrom(payload).Text);
    }

    [Fact]
    public void Three_messages_in_one_buffer_come_out_one_by_one()
    {
        var bytes = Write(new EchoResponse { Index = 1 }).Concat(Write(new EchoResponse { Index = 2 })).Concat(Write(new EchoResponse { Index = 3 })).ToArray();
        var buffer = new ReadOnlySequence<byte>(bytes);
        var seen = new List<int>();
        while (GrpcFraming.TryReadMessage(ref buffer, 1024, null, out var payload)) seen.Add(EchoResponse.Parser.ParseFrom(payload).Index);
        Assert.Equal([1, 2, 3], seen);
    }

    [Fact]
    public void A_prefix_split_across_reads_waits_for_the_rest()
    {
        var bytes = Write(new EchoResponse { Text = "x" });
        for (var cut = 0; cut < bytes.Length; cut++)
        {
            var partial = new ReadOnlySequence<byte>(bytes, 0, cut);
            Assert.False(GrpcFraming.TryReadMessage(ref partial, 1024, null, out _));
            Assert.Equal(cut, partial.Length); // nothing consumed
        }
    }

    [Fact]
    public void A_compressed_message_without_grpc_encoding_is_internal()
    {
        var buffer = new ReadOnlySequence<byte>(RawGrpc.Frame([1, 2], flag: 1));
        Assert.Equal(StatusCode.Internal, Assert.Throws<GrpcException>(() => GrpcFraming.TryReadMessage(ref buffer, 1024, null, out _)).StatusCode);
        buffer = new ReadOnlySequence<byte>(RawGrpc.Frame([1, 2], flag: 1));
        Assert.Equal(StatusCode.Internal, Assert.Throws<GrpcException>(() => GrpcFraming.TryReadMessage(ref buffer, 1024, "identity", out _)).StatusCode);
    }

    [Fact]
    public void A_compressed_message_in_an_encoding_we_lack_is_unimplemented()
    {
        var buffer = new ReadOnlySequence<byte>(RawGrpc.Frame([1, 2], flag: 1));
        var ex = Assert.Throws<GrpcException>(() => GrpcFraming.TryReadMessage(ref buffer, 1024, "gzip", out _));
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    [Fact]
    public void An_unknown_flag_is_internal()
    {
        var buffer = new ReadOnlySequence<byte>(RawGrpc.Frame([1], flag: 7));
        Assert.Equal(StatusCode.Internal, Assert.Throws<GrpcException>(() => GrpcFraming.TryReadMessage(ref buffer, 1024, null, out _)).StatusCode);
    }

    [Fact]
    public void A_response_over_the_send_limit_is_refused_before_anything_is_written()
    {
        var writer = new ArrayBufferWriter<byte>();
        var ex = Assert.Throws<GrpcException>(() => GrpcFraming.WriteMessage(writer, new EchoResponse { Text = new string('x', 100) }, 10));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal(0, writer.WrittenCount);
    }

    [Fact]
    public void Bad_protobuf_is_internal()
    {
        var ex = Assert.Throws<GrpcException>(() => GrpcFraming.Parse(EchoRequest.Parser, new ReadOnlySequence<byte>(Hex("0aff"))));
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }
}
