namespace BrokerGateway.Grpc.Internal;

/// <summary>Names and fixed values of the gRPC HTTP/2 mapping (PROTOCOL-HTTP2).</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string TeHeader = "te";
    public const string AuthorizationHeader = "authorization";
    public const string BinarySuffix = "-bin";

    /// <summary>flag byte + 4-byte big-endian length.</summary>
    public const int HeaderSize = 5;

    /// <summary>
    /// True for <c>application/grpc</c> and <c>application/grpc+proto</c>, with optional parameters.
    /// Other sub-types (<c>+json</c>) name a codec this layer does not have.
    /// </summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase)) return false;
        var rest = contentType.AsSpan(ContentType.Length);
        if (rest.IsEmpty || rest[0] == ';') return true;
        return rest.StartsWith("+proto", StringComparison.OrdinalIgnoreCase)
            && (rest.Length == 6 || rest[6] == ';');
    }

    /// <summary>True for any <c>application/grpc*</c> content type (what a client accepts in a response).</summary>
    public static bool IsAnyGrpcContentType(string? contentType) =>
        contentType is not null && contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase)
        && (contentType.Length == ContentType.Length || contentType[ContentType.Length] is '+' or ';');

    public static bool IsIdentityEncoding(string? encoding) =>
        string.IsNullOrEmpty(encoding) || string.Equals(encoding, "identity", StringComparison.OrdinalIgnoreCase);

    static readonly string[] StatusStrings = Enumerable.Range(0, 17).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Decimal, no leading zeros; cached so the OK path allocates nothing.</summary>
    public static string ToWire(StatusCode code) =>
        (uint)code < StatusStrings.Length ? StatusStrings[(int)code] : ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
