using System.Text.Json.Serialization;
using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Gateway;

/// <summary>The body of an internal <c>presence</c> command.</summary>
internal sealed record PresenceWire(IReadOnlyList<Member> Joins, IReadOnlyList<Member> Leaves);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PresenceWire))]
[JsonSerializable(typeof(Dictionary<string, string?>))]
internal sealed partial class CoreJson : JsonSerializerContext;
