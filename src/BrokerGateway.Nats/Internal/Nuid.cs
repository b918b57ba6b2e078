using System.Security.Cryptography;

namespace BrokerGateway.Nats.Internal;

/// <summary>
/// Unique ids in the NUID alphabet (22 base62 characters, digest §10). Made rarely (once per connection for
/// the inbox), so every character simply comes from the cryptographic generator.
/// </summary>
static class Nuid
{
    const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string Next() => RandomNumberGenerator.GetString(Alphabet, 22);
}
