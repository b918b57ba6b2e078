using System.Collections;

namespace BrokerGateway.Nats;

/// <summary>
/// NATS message headers (ADR-4, digest §2). Keys are case-sensitive and keep their case; a key may repeat, and
/// every value keeps its place, so what is added goes on the wire in exactly that order. Enumeration groups the
/// values by key, keys in order of first appearance. A received status line (<c>NATS/1.0 503</c>) shows as
/// <see cref="StatusCode"/> and <see cref="StatusDescription"/>.
/// </summary>
public sealed class NatsHeaders : IEnumerable<KeyValuePair<string, IReadOnlyList<string>>>
{
    readonly List<KeyValuePair<string, string>> _entries = [];

    /// <summary>The status code of the header block's first line, e.g. 503 for "no responders".</summary>
    public int? StatusCode { get; set; }

    /// <summary>The words after the status code, e.g. "Request Timeout" for 408.</summary>
    public string? StatusDescription { get; set; }

    /// <summary>Number of key/value lines.</summary>
    public int Count => _entries.Count;

    /// <summary>Every key/value line in wire order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Lines => _entries;

    /// <summary>Appends a value; an existing key keeps its values and gets one more.</summary>
    /// <exception cref="ArgumentException">The key is empty or has characters outside printable ASCII, or ':';
    /// or the value has CR or LF.</exception>
    public NatsHeaders Add(string key, string value)
    {
        ValidateKey(key);
        ValidateValue(key, value);
        _entries.Add(new(key, value));
        return this;
    }

    /// <summary>The first value of <paramref name="key"/>, or null. Setting replaces every value of the key.</summary>
    public string? this[string key]
    {
        get
        {
            foreach (var e in _entries) if (e.Key == key) return e.Value;
            return null;
        }
        set
        {
            Remove(key);
            if (value is not null) Add(key, value);
        }
    }

    /// <summary>Every value of <paramref name="key"/> in order; empty when the key is absent.</summary>
    public IReadOnlyList<string> GetAll(string key)
    {
        List<string>? values = null;
        foreach (var e in _entries)
            if (e.Key == key) (values ??= []).Add(e.Value);
        return values ?? (IReadOnlyList<string>)[];
    }

    public bool ContainsKey(string key) => _entries.Exists(e => e.Key == key);

    /// <summary>Removes every value of <paramref name="key"/>; returns whether there was one.</summary>
    public bool Remove(string key) => _entries.RemoveAll(e => e.Key == key) > 0;

    public IEnumerator<KeyValuePair<string, IReadOnlyList<string>>> GetEnumerator()
    {
        // One pass: a message under max_payload can carry tens of thousands of keys.
        var keys = new List<string>();
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var e in _entries)
        {
            if (!values.TryGetValue(e.Key, out var list))
            {
                values[e.Key] = list = [];
                keys.Add(e.Key);
            }
            list.Add(e.Value);
        }
        foreach (var key in keys) yield return new(key, values[key]);
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Adds a line read off the wire, where the rules were the sender's business.</summary>
    internal void AddReceived(string key, string value) => _entries.Add(new(key, value));

    static void ValidateKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0) throw new ArgumentException("a header key must not be empty", nameof(key));
        foreach (var c in key)
            if (c is < '!' or > '~' or ':')
                throw new ArgumentException($"header key '{key}' may hold only printable ASCII without ':' (found U+{(int)c:X4})", nameof(key));
    }

    static void ValidateValue(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
            throw new ArgumentException($"the value of header '{key}' must not contain CR or LF", nameof(value));
    }
}
