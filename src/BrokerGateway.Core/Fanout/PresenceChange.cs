using BrokerGateway.Core.Presence;

namespace BrokerGateway.Core.Fanout;

/// <summary>Who joined and who left a room, as members of that room are told.</summary>
public sealed record PresenceChange(string Nsp, string Room, IReadOnlyList<Member> Joins, IReadOnlyList<Member> Leaves);
