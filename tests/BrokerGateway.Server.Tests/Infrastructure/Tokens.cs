using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BrokerGateway.Server.Tests.Infrastructure;

/// <summary>Mints client JWTs the way a backend would.</summary>
public static class Tokens
{
    public const string Secret = "test-secret-test-secret-test-secret-0123";

    public static string Hs256(string sub, string? nsp = null, string[]? rooms = null, string[]? topics = null,
        DateTime? expires = null, string secret = Secret, Dictionary<string, object>? info = null)
    {
        var claims = new Dictionary<string, object> { ["sub"] = sub };
        if (nsp is not null) claims["nsp"] = nsp;
        if (rooms is not null) claims["rooms"] = rooms;
        if (topics is not null) claims["topics"] = topics;
        if (info is not null) claims["info"] = info;
        var exp = expires ?? DateTime.UtcNow.AddMinutes(10);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            Expires = exp,
            NotBefore = exp.AddMinutes(-20),
            IssuedAt = exp.AddMinutes(-20),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>A correctly signed HS256 token with the payload exactly as written (JSON escapes included).</summary>
    public static string Hs256Raw(string payloadJson)
    {
        var signed = $"{Base64UrlEncoder.Encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}")}.{Base64UrlEncoder.Encode(payloadJson)}";
        var signature = System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.ASCII.GetBytes(signed));
        return $"{signed}.{Base64UrlEncoder.Encode(signature)}";
    }

    /// <summary>A token with <c>alg: none</c> and no signature: must always be refused.</summary>
    public static string Unsigned(string sub)
    {
        static string B64(string s) => Base64UrlEncoder.Encode(s);
        var exp = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        return $"{B64("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{B64($"{{\"sub\":\"{sub}\",\"exp\":{exp}}}")}.";
    }
}
