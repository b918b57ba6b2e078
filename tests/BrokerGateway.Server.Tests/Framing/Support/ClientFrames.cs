using System.Buffers.Binary;
using System.Text;
using BrokerGateway.Server.Transport.Framed;

namespace BrokerGateway.Server.Tests.Framing.Support;

/// <summary>Hand-made client frames (RFC 6455 §5.2), including the ones a real client never sends.</summary>
public static class ClientFrames
{
    static readonly byte[] DefaultMask = [0x37, 0xfa, 0x21, 0x3d];

    /// <param name="rsv">RSV1–3 as the three bits under FIN (0–7).</param>
    /// <param name="declaredLength">A length to declare instead of the payload's own (for lies and limits).</param>
    /// <param name="wideLength">Encode the length in 64 bits whatever its size.</param>
    public static byte[] Frame(Opcode opcode, ReadOnlySpan<byte> payload, bool fin = true, bool masked = true, int rsv = 0,
        ulong? declaredLength = null, bool wideLength = false)
    {
        var length = declaredLength ?? (ulong)payload.Length;
        using var bytes = new MemoryStream();
        bytes.WriteByte((byte)((fin ? 0x80 : 0) | (rsv << 4) | (byte)opcode));
        var maskBit = masked ? 0x80 : 0;
        if (length < 126 && !wideLength)
        {
            bytes.WriteByte((byte)(maskBit | (int)length));
        }
        else if (length <= ushort.MaxValue && !wideLength)
        {
            bytes.WriteByte((byte)(maskBit | 126));
            Span<byte> l = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(l, (ushort)length);
            bytes.Write(l);
        }
        else
        {
            bytes.WriteByte((byte)(maskBit | 127));
            Span<byte> l = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(l, length);
            bytes.Write(l);
        }
        var body = payload.ToArray();
        if (masked)
        {
            bytes.Write(DefaultMask);
            for (var i = 0; i < body.Length; i++) body[i] ^= DefaultMask[i % 4];
        }
        bytes.Write(body);
        return bytes.ToArray();
    }

    public static byte[] Text(string text, bool fin = true) => Frame(Opcode.Text, Encoding.UTF8.GetBytes(text), fin);

    public static byte[] Continuation(string text, bool fin = true) => Frame(Opcode.Continuation, Encoding.UTF8.GetBytes(text), fin);

    public static byte[] Binary(byte[] data, bool fin = true) => Frame(Opcode.Binary, data, fin);

    public static byte[] Ping(string payload = "") => Frame(Opcode.Ping, Encoding.UTF8.GetBytes(payload));

    public static byte[] Pong(string payload = "") => Frame(Opcode.Pong, Encoding.UTF8.GetBytes(payload));

    public static byte[] Close(int? code = null, string reason = "")
    {
        if (code is null) return Frame(Opcode.Close, []);
        var payload = new byte[2 + Encoding.UTF8.GetByteCount(reason)];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code.Value);
        Encoding.UTF8.GetBytes(reason, payload.AsSpan(2));
        return Frame(Opcode.Close, payload);
    }

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}

/// <summary>A frame the server wrote, read back (server frames are never masked, §5.1).</summary>
public sealed record ServerFrame(bool Fin, Opcode Opcode, byte[] Payload, int HeaderLength)
{
    public string Text => Encoding.UTF8.GetString(Payload);
    public int CloseCode => Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : 1005;
    public string CloseReason => Payload.Length > 2 ? Encoding.UTF8.GetString(Payload.AsSpan(2)) : "";

    /// <summary>Reads one frame from the front of <paramref name="bytes"/>, or null if it is not all there.</summary>
    public static ServerFrame? TryRead(ReadOnlySpan<byte> bytes, out int consumed)
    {
        consumed = 0;
        if (bytes.Length < 2) return null;
        if ((bytes[1] & 0x80) != 0) throw new InvalidOperationException("the server masked a frame (RFC 6455 §5.1 forbids it)");
        var length7 = bytes[1] & 0x7F;
        var header = length7 == 126 ? 4 : length7 == 127 ? 10 : 2;
        if (bytes.Length < header) return null;
        var length = length7 switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]),
            127 => (long)BinaryPrimitives.ReadUInt64BigEndian(bytes[2..]),
            _ => length7,
        };
        if (bytes.Length < header + length) return null;
        consumed = header + (int)length;
        return new ServerFrame((bytes[0] & 0x80) != 0, (Opcode)(bytes[0] & 0x0F), bytes.Slice(header, (int)length).ToArray(), header);
    }
}
