using System.Collections;

namespace BrokerGateway.Core.Broker;

/// <summary>
/// Message headers: case-sensitive keys (as NATS keeps them), each with one or more values in order.
/// Small on purpose: most messages have none, a command has a handful.
/// </summary>
public sealed class MessageHeaders : IEnumerable<KeyValuePair<string, string>>
{
    readonly List<KeyValuePair<string, string>> _entries = [];
    bool _frozen;

    public int Count => _entries.Count;

    /// <summary>
    /// True once <see cref="Freeze"/> was called: the headers never change again, so a broker may keep
    /// its own encoding of them and share one instance between messages.
    /// </summary>
    public bool IsFrozen => _frozen;

    public MessageHeaders Freeze()
    {
        _frozen = true;
        return this;
    }

    /// <summary>The first value of <paramref name="key"/>, or null.</summary>
    public string? this[string key]
    {
        get
        {
            foreach (var (k, v) in _entries)
                if (k == key) return v;
            return null;
        }
    }

    public MessageHeaders Add(string key, string value)
    {
        if (_frozen) throw new InvalidOperationException("these headers are frozen: copy them to change them");
        _entries.Add(new(key, value));
        return this;
    }

    public MessageHeaders Set(string key, string value)
    {
        if (_frozen) throw new InvalidOperationException("these headers are frozen: copy them to change them");
        _entries.RemoveAll(e => e.Key == key);
        return Add(key, value);
    }

    public IEnumerable<string> GetAll(string key) => _entries.Where(e => e.Key == key).Select(e => e.Value);

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _entries.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
