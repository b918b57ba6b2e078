using System.Security.Cryptography;
using System.Text;

namespace BrokerGateway.Server.Operations;

/// <summary>The bearer token of the internal ports (<c>BGW_API_TOKEN</c>); none configured means open.</summary>
public static class ApiToken
{
    public static bool Accepts(HttpContext http, string? expected)
    {
        if (string.IsNullOrEmpty(expected)) return true;
        var header = http.Request.Headers.Authorization.FirstOrDefault();
        var given = header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? header[7..].Trim()
            : http.Request.Query["token"].FirstOrDefault();
        if (given is null) return false;
        // Hashes first, so neither the content nor the length leaks through timing.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
    }
}
