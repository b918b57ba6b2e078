using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace BrokerGateway.Server.Transport.Framed;

/// <summary>RFC 6455 §5.2 opcodes.</summary>
public enum Opcode : byte
{
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
}

/// <summary>One frame's header as read from a client.</summary>
/// <param name="Length">Bytes the header itself takes (2–14).</param>
/// <param name="Mask">The masking key as the four bytes appear on the wire, read little-endian.</param>
public readonly record struct FrameHeader(bool Fin, Opcode Opcode, long PayloadLength, bool Masked, uint Mask, int Length)
{
    public bool IsControl => (byte)Opcode >= 0x8;
}

/// <summary>A frame RFC 6455 forbids: the close code to fail the connection with (§7.1.7), and why.</summary>
public readonly record struct FrameViolation(int Code, string Reason);

public enum HeaderStatus : byte { NeedMore, Complete, Violation }

/// <summary>
/// The bytes of RFC 6455 frames (§5.2): reading a client's frame headers with every rule a header can break,
/// writing the server's unmasked headers, masking, and close payloads (§5.5.1, §7.4).
/// </summary>
public static class FrameCodec
{
    /// <summary>A server header: 2 bytes, plus 2 or 8 for the extended length; never a mask (§5.1).</summary>
    public const int MaxServerHeader = 10;

    /// <summary>§5.5: control frames carry at most 125 bytes, unfragmented.</summary>
    public const int MaxControlPayload = 125;

    /// <summary>RFC 6455 1002: a frame the protocol forbids.</summary>
    public const int ProtocolError = 1002;

    /// <summary>RFC 6455 1007: a text payload (or close reason) that is not UTF-8.</summary>
    public const int InvalidPayload = 1007;

    /// <summary>RFC 6455 1005: "no status code was present"; never sent on the wire (§7.4.1).</summary>
    public const int NoStatus = 1005;

    /// <summary>
    /// Reads a client frame's header from the start of <paramref name="buffer"/>. A strict read enforces
    /// §5.1–§5.5 (masked, no RSV bits without an extension, known opcodes, short unfragmented control
    /// frames); a lenient read, used while discarding input after our close, only finds the frame's bounds.
    /// </summary>
    public static HeaderStatus TryReadHeader(ReadOnlySpan<byte> buffer, bool strict, out FrameHeader header, out FrameViolation violation)
    {
        header = default;
        violation = default;
        if (buffer.Length < 2) return HeaderStatus.NeedMore;
        var b0 = buffer[0];
        var b1 = buffer[1];
        var fin = (b0 & 0x80) != 0;
        var opcode = (Opcode)(b0 & 0x0F);
        var masked = (b1 & 0x80) != 0;
        var length7 = b1 & 0x7F;
        if (strict && Check(b0, fin, opcode, masked, length7) is { } problem)
        {
            violation = new FrameViolation(ProtocolError, problem);
            return HeaderStatus.Violation;
        }

        var headerLength = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + (masked ? 4 : 0);
        if (buffer.Length < headerLength) return HeaderStatus.NeedMore;
        long payloadLength = length7;
        var offset = 2;
        if (length7 == 126)
        {
            payloadLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
            offset = 4;
        }
        else if (length7 == 127)
        {
            var wide = BinaryPrimitives.ReadUInt64BigEndian(buffer[2..]);
            // §5.2: "the most significant bit MUST be 0"; also the only way a length could overflow a long.
            if ((wide & 0x8000_0000_0000_0000UL) != 0)
            {
                violation = new FrameViolation(ProtocolError, "a 64-bit payload length with its most significant bit set");
                return HeaderStatus.Violation;
            }
            payloadLength = (long)wide;
            offset = 10;
        }
        var mask = masked ? BinaryPrimitives.ReadUInt32LittleEndian(buffer[offset..]) : 0u;
        header = new FrameHeader(fin, opcode, payloadLength, masked, mask, headerLength);
        return HeaderStatus.Complete;
    }

    static string? Check(byte b0, bool fin, Opcode opcode, bool masked, int length7)
    {
        // §5.2: RSV1-3 "MUST be 0 unless an extension is negotiated"; we negotiate none.
        if ((b0 & 0x70) != 0) return "reserved bits set, but no extension was negotiated";
        var isControl = (byte)opcode >= 0x8;
        if (opcode is not (Opcode.Continuation or Opcode.Text or Opcode.Binary or Opcode.Close or Opcode.Ping or Opcode.Pong))
            return $"unknown opcode 0x{(byte)opcode:X}";
        // §5.5: "All control frames MUST have a payload length of 125 bytes or less and MUST NOT be fragmented."
        if (isControl && !fin) return $"a fragmented {opcode} frame";
        if (isControl && length7 > MaxControlPayload) return $"a {opcode} frame longer than 125 bytes";
        // §5.1: "The server MUST close the connection upon receiving a frame that is not masked."
        if (!masked) return "an unmasked frame (a client must mask every frame)";
        return null;
    }

    /// <summary>
    /// XORs <paramref name="data"/> in place with the mask, starting <paramref name="offset"/> bytes into the
    /// frame's payload (§5.3); returns the offset after it.
    /// </summary>
    public static int Unmask(Span<byte> data, uint mask, int offset)
    {
        if (mask == 0) return offset + data.Length;
        // Rotate so byte 0 of the mask lines up with data[0], then XOR eight bytes at a time.
        var shift = (offset & 3) * 8;
        var rotated = shift == 0 ? mask : (mask >> shift) | (mask << (32 - shift));
        var wide = ((ulong)rotated << 32) | rotated;
        var i = 0;
        var longs = MemoryMarshal.Cast<byte, ulong>(data);
        if (BitConverter.IsLittleEndian)
        {
            for (; i < longs.Length; i++) longs[i] ^= wide;
            i *= 8;
        }
        for (; i < data.Length; i++) data[i] ^= (byte)(rotated >> ((i & 3) * 8));
        return offset + data.Length;
    }

    /// <summary>Header bytes a server frame of <paramref name="payloadLength"/> needs.</summary>
    public static int HeaderSize(long payloadLength) => payloadLength < 126 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10;

    /// <summary>Writes a final, unmasked frame header (§5.2); returns its size.</summary>
    public static int WriteHeader(Span<byte> destination, Opcode opcode, long payloadLength)
    {
        destination[0] = (byte)(0x80 | (byte)opcode);
        if (payloadLength < 126)
        {
            destination[1] = (byte)payloadLength;
            return 2;
        }
        if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            return 4;
        }
        destination[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
        return 10;
    }

    /// <summary>§5.5.1: a close payload, the code then the UTF-8 reason (cut to fit 125 bytes).</summary>
    public static byte[] ClosePayload(int code, string reason)
    {
        if (code == NoStatus) return [];
        var fitted = CloseReason.Fit(reason);
        var payload = new byte[2 + Encoding.UTF8.GetByteCount(fitted)];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code);
        Encoding.UTF8.GetBytes(fitted, payload.AsSpan(2));
        return payload;
    }

    /// <summary>Reads a client's close payload (§5.5.1): its code (1005 when absent) and reason.</summary>
    public static bool TryReadClose(ReadOnlySpan<byte> payload, out int code, out string reason, out FrameViolation violation)
    {
        code = NoStatus;
        reason = "";
        violation = default;
        if (payload.Length == 0) return true;
        if (payload.Length == 1)
        {
            violation = new FrameViolation(ProtocolError, "a close frame with a one-byte payload");
            return false;
        }
        code = BinaryPrimitives.ReadUInt16BigEndian(payload);
        if (!IsValidCloseCode(code))
        {
            violation = new FrameViolation(ProtocolError, $"close code {code} may not be sent");
            return false;
        }
        if (!System.Text.Unicode.Utf8.IsValid(payload[2..]))
        {
            violation = new FrameViolation(InvalidPayload, "a close reason that is not UTF-8");
            return false;
        }
        reason = Encoding.UTF8.GetString(payload[2..]);
        return true;
    }

    /// <summary>
    /// §7.4.1/§7.4.2 and the IANA registry: codes an endpoint may put in a close frame. 1004 is reserved,
    /// 1005, 1006 and 1015 only report conditions locally, 1016–2999 are reserved for future RFCs, and
    /// nothing below 1000 or from 5000 on exists.
    /// </summary>
    public static bool IsValidCloseCode(int code) => code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);
}
