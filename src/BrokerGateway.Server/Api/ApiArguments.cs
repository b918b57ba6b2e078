using BrokerGateway.Core.Presence;
using Bgw.V1;

namespace BrokerGateway.Server.Api;

/// <summary>
/// Checks request fields before anything is sent, so a bad id fails the call with INVALID_ARGUMENT naming
/// the field, instead of a command that a replica silently ignores.
/// </summary>
public sealed class ApiArguments(string defaultNamespace, int maxLookups)
{
    /// <summary>The core's limit on room and topic names (GatewayNode.ValidateName).</summary>
    public const int MaxGroupNameLength = 256;

    static readonly HashSet<string> ContentTypes = ["application/json", "text/plain", "application/octet-stream"];

    /// <summary>The namespace: empty means the default one.</summary>
    public string Nsp(string value) => value.Length == 0 ? defaultNamespace : Id(value, "nsp");

    /// <summary>A connection id, user id or node id: any non-empty well-formed string (PresenceIds).</summary>
    public static string Id(string value, string field)
    {
        if (string.IsNullOrEmpty(value)) throw ApiErrors.Invalid($"{field} is empty.");
        try
        {
            PresenceIds.Check(value, field);
        }
        catch (ArgumentException e)
        {
            throw ApiErrors.Invalid($"{field}: {ApiErrors.Text(e)}.");
        }
        return value;
    }

    /// <summary>An id that travels to the replicas in a NATS header (a command's uid).</summary>
    public static string HeaderId(string value, string field) => HeaderSafe(Id(value, field), field);

    /// <summary>A room or topic name; <paramref name="inHeader"/> when a command carries it in a header.</summary>
    public static string Group(string value, string field, bool inHeader)
    {
        Id(value, field);
        if (value.Length > MaxGroupNameLength) throw ApiErrors.Invalid($"{field} is {value.Length} characters; at most {MaxGroupNameLength} are allowed.");
        return inHeader ? HeaderSafe(value, field) : value;
    }

    /// <summary>Several room or topic names, at least one.</summary>
    public static string[] Groups(IReadOnlyList<string> values, string field, bool inHeader)
    {
        if (values.Count == 0) throw ApiErrors.Invalid($"{field} is empty: name at least one.");
        return values.Select((v, i) => Group(v, $"{field}[{i}]", inHeader)).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Several ids, at least one.</summary>
    public static string[] Ids(IReadOnlyList<string> values, string field)
    {
        if (values.Count == 0) throw ApiErrors.Invalid($"{field} is empty: name at least one.");
        return values.Select((v, i) => Id(v, $"{field}[{i}]")).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Ids for a lookup: each costs a presence round trip, so their number is capped.</summary>
    public string[] Lookups(IReadOnlyList<string> values, string field)
    {
        if (values.Count > maxLookups) throw ApiErrors.Invalid($"{field} holds {values.Count} ids; at most {maxLookups} per call.");
        return values.Select((v, i) => Id(v, $"{field}[{i}]")).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Free text carried in a header (event name, reason, message id): may be empty.</summary>
    public static string? HeaderText(string value, string field) => value.Length == 0 ? null : HeaderSafe(value, field);

    /// <summary>A push as the replicas send it, checked.</summary>
    public static PushArgs Push(Push? push, string field)
    {
        if (push is null) throw ApiErrors.Invalid($"{field} is missing.");
        if (push.ContentType.Length > 0 && !ContentTypes.Contains(push.ContentType))
            throw ApiErrors.Invalid($"{field}.content_type '{push.ContentType}' is not one of {string.Join(", ", ContentTypes)} (or empty to sniff).");
        return new PushArgs(push.Data.Memory, HeaderText(push.Event, $"{field}.event"), push.ContentType.Length == 0 ? null : push.ContentType,
            HeaderText(push.MsgId, $"{field}.msg_id"));
    }

    /// <summary>An optional push: absent is fine.</summary>
    public static PushArgs? OptionalPush(Push? push, string field) => push is null ? null : Push(push, field);

    /// <summary>One page of a list.</summary>
    public static PageRequest Page(Paging? page) =>
        new(string.IsNullOrEmpty(page?.Cursor) ? null : page.Cursor, page?.Limit ?? 0);

    /// <summary>
    /// NATS headers refuse CR and LF, and a receiver trims spaces and tabs at the ends of a value, so such a
    /// value would arrive as another name (or not at all): it is refused here instead.
    /// </summary>
    static string HeaderSafe(string value, string field)
    {
        if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
            throw ApiErrors.Invalid($"{field} holds a line break, which NATS headers cannot carry.");
        if (value.Length > 0 && (value[0] is ' ' or '\t' || value[^1] is ' ' or '\t'))
            throw ApiErrors.Invalid($"{field} begins or ends with a space or tab, which NATS headers do not keep.");
        return value;
    }
}

/// <summary>A checked push: the payload and its optional headers.</summary>
public sealed record PushArgs(ReadOnlyMemory<byte> Data, string? Event, string? ContentType, string? MsgId);
