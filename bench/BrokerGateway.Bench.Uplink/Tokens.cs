using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BrokerGateway.Bench.Uplink;

/// <summary>HS256 tokens (docs/protocol.md, Auth) under a secret made fresh for each run.</summary>
public sealed class Tokens
{
    readonly SigningCredentials _credentials;
    readonly JsonWebTokenHandler _handler = new();

    public Tokens()
    {
        // 48 random bytes as hex: well over the 32 bytes the gateway requires of an HS256 secret.
        Secret = Convert.ToHexString(RandomNumberGenerator.GetBytes(48));
        _credentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Secret)), SecurityAlgorithms.HmacSha256);
    }

    public string Secret { get; }

    public string For(string uid) => _handler.CreateToken(new SecurityTokenDescriptor
    {
        Claims = new Dictionary<string, object> { ["sub"] = uid },
        Expires = DateTime.UtcNow.AddHours(1),
        SigningCredentials = _credentials,
    });
}
