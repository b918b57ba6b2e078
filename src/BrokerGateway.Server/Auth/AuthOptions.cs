namespace BrokerGateway.Server.Auth;

/// <summary>
/// How client tokens are checked (DESIGN §4 "Auth"). The algorithm is pinned here, never taken from the
/// token, so <c>alg: none</c> or an HS256 token signed with an RSA public key cannot pass.
/// </summary>
public sealed record AuthOptions
{
    /// <summary><c>HS256</c> (with <see cref="Secret"/>), <c>RS256</c> or <c>ES256</c> (with <see cref="PublicKeyPem"/>).</summary>
    public string Algorithm { get; init; } = "HS256";

    /// <summary>The shared secret for HS256, at least 32 bytes of UTF-8.</summary>
    public string? Secret { get; init; }

    /// <summary>The PEM public key for RS256 or ES256.</summary>
    public string? PublicKeyPem { get; init; }

    /// <summary>When set, a token's <c>iss</c> must equal it.</summary>
    public string? Issuer { get; init; }

    /// <summary>When set, a token's <c>aud</c> must contain it.</summary>
    public string? Audience { get; init; }

    /// <summary>Tolerance for clocks that disagree about <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a socket without a token may take to send its <c>auth</c> frame (then 4050).</summary>
    public TimeSpan AuthFrameTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
