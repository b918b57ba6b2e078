namespace BrokerGateway.Grpc.Internal;

/// <summary>
/// Custom metadata rules (PROTOCOL-HTTP2 "Custom-Metadata"): names are <c>[0-9a-z_.-]</c> and not
/// <c>grpc-*</c>; values are printable ASCII, or base64 for names ending in <c>-bin</c>.
/// </summary>
internal static class GrpcMetadata
{
    public static void Validate(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (name.Length == 0 || name.Any(c => c is not ((>= '0' and <= '9') or (>= 'a' and <= 'z') or '_' or '.' or '-')))
            throw new ArgumentException($"Metadata name '{name}' must be lower-case [0-9a-z_.-].", nameof(name));
        if (name.StartsWith("grpc-", StringComparison.Ordinal))
            throw new ArgumentException($"Metadata names starting 'grpc-' are reserved ('{name}').", nameof(name));
        if (value.Any(c => c is < (char)0x20 or > (char)0x7E))
            throw new ArgumentException($"Metadata '{name}' must be printable ASCII; use a '-bin' name for bytes.", nameof(value));
    }

    /// <summary>Unpadded base64, as the spec asks senders to emit.</summary>
    public static string EncodeBinary(string name, byte[] value)
    {
        if (!name.EndsWith(GrpcProtocol.BinarySuffix, StringComparison.Ordinal))
            throw new ArgumentException("Binary metadata names end in '-bin'.", nameof(name));
        return Convert.ToBase64String(value).TrimEnd('=');
    }

    /// <summary>Accepts padded and unpadded base64, and several values joined by ','. Null when it is not base64.</summary>
    public static byte[]? DecodeBinary(string value)
    {
        var output = new List<byte>();
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var padded = part.TrimEnd('=');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            try { output.AddRange(Convert.FromBase64String(padded)); }
            catch (FormatException) { return null; }
        }
        return output.ToArray();
    }
}
