using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;

namespace BrokerGateway.Grpc.Internal;

/// <summary>
/// <c>authorization: Bearer &lt;token&gt;</c> against one configured token. Both sides are hashed first so
/// the constant-time comparison also hides the expected token's length.
/// </summary>
internal sealed class BearerTokenCheck
{
    readonly byte[] _expectedHash;

    public BearerTokenCheck(string token) => _expectedHash = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>The principal every authenticated call carries: one API client, named by its scheme.</summary>
    public static readonly ClaimsPrincipal ApiClient =
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "api-client")], authenticationType: "Bearer"));

    /// <summary>Returns the presented token when it matches, else null.</summary>
    public string? Check(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || authorization.Length <= scheme.Length
            || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return null;
        var token = authorization.AsSpan(scheme.Length).Trim();
        Span<byte> hash = stackalloc byte[32];
        var bytes = Encoding.UTF8.GetBytes(token.ToString());
        SHA256.HashData(bytes, hash);
        return CryptographicOperations.FixedTimeEquals(hash, _expectedHash) ? token.ToString() : null;
    }
}
