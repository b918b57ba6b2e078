using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BrokerGateway.Core.Connections;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BrokerGateway.Server.Auth;

/// <summary>What a valid token says about its bearer.</summary>
public sealed record ClientIdentity(
    string Uid,
    string? Nsp,
    IReadOnlyList<string> Rooms,
    IReadOnlyList<string> Topics,
    IReadOnlyDictionary<string, string> Session);

/// <summary>The outcome of checking a token: an identity, or the close code and message that refuse it.</summary>
public sealed record AuthResult(ClientIdentity? Identity, int CloseCode, string Error)
{
    public bool Succeeded => Identity is not null;
    public static AuthResult Ok(ClientIdentity identity) => new(identity, 0, "");
    public static AuthResult Fail(int code, string error) => new(null, code, error);
}

/// <summary>
/// Checks client JWTs: signature with the pinned algorithm and key, <c>exp</c> required, optional
/// issuer and audience. Each way a token can be wrong has its own close code, so a client knows
/// whether to fetch a new token (expired) or give up (invalid, malformed).
/// </summary>
public sealed class TokenValidator
{
    readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    readonly TokenValidationParameters _parameters;

    public TokenValidator(AuthOptions options)
    {
        _parameters = new TokenValidationParameters
        {
            ValidAlgorithms = [options.Algorithm],
            IssuerSigningKey = SigningKey(options),
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = options.ClockSkew,
            ValidateIssuer = options.Issuer is not null,
            ValidIssuer = options.Issuer,
            ValidateAudience = options.Audience is not null,
            ValidAudience = options.Audience,
            ValidateIssuerSigningKey = true,
            TryAllIssuerSigningKeys = true, // one configured key; tokens need not name it with a kid
        };
    }

    static SecurityKey SigningKey(AuthOptions options)
    {
        switch (options.Algorithm)
        {
            case SecurityAlgorithms.HmacSha256:
                var secret = options.Secret ?? throw new InvalidOperationException("HS256 needs Auth:Secret (BGW_JWT_SECRET)");
                var bytes = Encoding.UTF8.GetBytes(secret);
                if (bytes.Length < 32) throw new InvalidOperationException("the HS256 secret must be at least 32 bytes");
                return new SymmetricSecurityKey(bytes);
            case SecurityAlgorithms.RsaSha256:
                var rsa = RSA.Create();
                rsa.ImportFromPem(options.PublicKeyPem ?? throw new InvalidOperationException("RS256 needs Auth:PublicKeyPem"));
                return new RsaSecurityKey(rsa);
            case SecurityAlgorithms.EcdsaSha256:
                var ec = ECDsa.Create();
                ec.ImportFromPem(options.PublicKeyPem ?? throw new InvalidOperationException("ES256 needs Auth:PublicKeyPem"));
                return new ECDsaSecurityKey(ec);
            default:
                throw new InvalidOperationException($"unsupported JWT algorithm '{options.Algorithm}': use HS256, RS256 or ES256");
        }
    }

    /// <summary>
    /// Checks a token whose signature cannot verify, so the handler's code and the native crypto library
    /// are loaded before the first client (see <c>Warmup</c>).
    /// </summary>
    public async Task WarmUpAsync()
    {
        var algorithm = _parameters.ValidAlgorithms.Single();
        var signatureLength = algorithm switch
        {
            SecurityAlgorithms.RsaSha256 => 256,
            SecurityAlgorithms.EcdsaSha256 => 64,
            _ => 32,
        };
        var header = Base64UrlEncoder.Encode($$"""{"alg":"{{algorithm}}","typ":"JWT"}""");
        var payload = Base64UrlEncoder.Encode("""{"sub":"warm-up","exp":4102444800}""");
        var result = await ValidateAsync($"{header}.{payload}.{Base64UrlEncoder.Encode(new byte[signatureLength])}");
        if (result.CloseCode != CloseCodes.TokenInvalid)
            throw new InvalidOperationException($"a token signed with zeros was not refused as invalid: {result.Error}");
    }

    public async Task<AuthResult> ValidateAsync(string token)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 16 * 1024)
            return AuthResult.Fail(CloseCodes.TokenMalformed, "token is empty or too long");
        TokenValidationResult result;
        try
        {
            result = await _handler.ValidateTokenAsync(token, _parameters);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or JsonException)
        {
            return AuthResult.Fail(CloseCodes.TokenMalformed, "token is not a JWT");
        }
        if (!result.IsValid)
        {
            return result.Exception switch
            {
                SecurityTokenExpiredException => AuthResult.Fail(CloseCodes.TokenExpired, "token expired"),
                SecurityTokenMalformedException or SecurityTokenNoExpirationException or ArgumentException
                    => AuthResult.Fail(CloseCodes.TokenMalformed, "token malformed: " + Short(result.Exception)),
                _ => AuthResult.Fail(CloseCodes.TokenInvalid, "token invalid: " + Short(result.Exception)),
            };
        }
        var jwt = (JsonWebToken)result.SecurityToken;
        if (string.IsNullOrEmpty(jwt.Subject)) return AuthResult.Fail(CloseCodes.TokenMalformed, "token has no sub");
        try
        {
            return AuthResult.Ok(new ClientIdentity(
                jwt.Subject,
                jwt.TryGetPayloadValue<string>("nsp", out var nsp) && nsp.Length > 0 ? nsp : null,
                StringList(jwt, "rooms"),
                StringList(jwt, "topics"),
                Info(jwt)));
        }
        catch (InvalidOperationException)
        {
            // JSON lets an escape name half a surrogate pair ("\ud800"), which is no text.
            return AuthResult.Fail(CloseCodes.TokenMalformed, "token malformed: a claim holds half a surrogate pair");
        }
    }

    // The library's messages name internal types; a client needs only the gist.
    static string Short(Exception? e) => e switch
    {
        SecurityTokenInvalidAlgorithmException => "algorithm not accepted",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "signature does not verify",
        SecurityTokenInvalidIssuerException => "issuer not accepted",
        SecurityTokenInvalidAudienceException => "audience not accepted",
        SecurityTokenNotYetValidException => "not valid yet",
        SecurityTokenNoExpirationException => "no exp claim",
        _ => "not accepted",
    };

    static IReadOnlyList<string> StringList(JsonWebToken jwt, string claim)
    {
        if (!jwt.TryGetPayloadValue<JsonElement>(claim, out var value)) return [];
        if (value.ValueKind == JsonValueKind.String) return [value.GetString()!];
        if (value.ValueKind != JsonValueKind.Array) return [];
        return value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToArray();
    }

    static IReadOnlyDictionary<string, string> Info(JsonWebToken jwt)
    {
        if (!jwt.TryGetPayloadValue<JsonElement>("info", out var info) || info.ValueKind != JsonValueKind.Object)
            return new Dictionary<string, string>();
        var values = new Dictionary<string, string>();
        foreach (var p in info.EnumerateObject()) // a key given twice keeps its last value
            values[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
        return values;
    }
}
