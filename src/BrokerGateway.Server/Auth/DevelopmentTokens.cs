using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BrokerGateway.Server.Auth;

/// <summary>Mints HS256 tokens with the configured secret, for local clusters and demos.</summary>
public static class DevelopmentTokens
{
    public static string Mint(AuthOptions options, string uid, string? nsp, TimeSpan lifetime)
    {
        if (options.Algorithm != SecurityAlgorithms.HmacSha256 || options.Secret is null)
            throw new InvalidOperationException("development tokens need HS256 with a secret (BGW_JWT_SECRET)");
        var claims = new Dictionary<string, object> { ["sub"] = uid };
        if (nsp is not null) claims["nsp"] = nsp;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            Expires = DateTime.UtcNow.Add(lifetime),
            // What the replica requires, it gets: a token it would refuse is no use for a demo.
            Issuer = options.Issuer,
            Audience = options.Audience,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.Secret)), SecurityAlgorithms.HmacSha256),
        });
    }
}
