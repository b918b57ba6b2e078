using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace BrokerGateway.Bench.Fanout;

/// <summary>
/// HS256 client tokens (docs/protocol.md, "Auth") with <c>sub</c>, <c>exp</c> and a <c>rooms</c> claim, so a
/// client is in its room from the first frame on, with no join round trip to wait for.
/// </summary>
public sealed class Tokens(string secret)
{
    static readonly string Header = Base64Url.EncodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8);
    readonly byte[] _key = Encoding.UTF8.GetBytes(secret);
    readonly long _exp = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds();

    public string Secret { get; } = secret;

    public string Mint(string uid, string room)
    {
        var claims = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["sub"] = uid,
            ["exp"] = _exp,
            ["rooms"] = new[] { room },
        });
        var signed = Header + "." + Base64Url.EncodeToString(claims);
        var signature = HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(signed));
        return signed + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>A fresh random secret of 48 bytes (HS256 wants at least 32).</summary>
    public static Tokens Random() => new(Convert.ToHexString(RandomNumberGenerator.GetBytes(24)));
}
