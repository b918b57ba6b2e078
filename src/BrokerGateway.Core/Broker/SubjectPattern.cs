namespace BrokerGateway.Core.Broker;

/// <summary>NATS subject matching: <c>*</c> matches one token, a final <c>&gt;</c> one or more.</summary>
public static class SubjectPattern
{
    public static bool IsWildcard(string pattern) => pattern.Contains('*') || pattern.Contains('>');

    public static bool Matches(string pattern, string subject)
    {
        var p = pattern.Split('.');
        var s = subject.Split('.');
        for (var i = 0; i < p.Length; i++)
        {
            if (p[i] == ">") return i == p.Length - 1 && s.Length > i;
            if (i >= s.Length) return false;
            if (p[i] != "*" && p[i] != s[i]) return false;
        }
        return p.Length == s.Length;
    }

    /// <summary>Rejects subjects NATS would refuse: empty tokens, whitespace, and wildcards where not allowed.</summary>
    public static void Validate(string subject, bool allowWildcards)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        var tokens = subject.Split('.');
        for (var i = 0; i < tokens.Length; i++)
        {
            var t = tokens[i];
            if (t.Length == 0) throw new ArgumentException($"invalid subject '{subject}': empty token");
            if (t.Any(char.IsWhiteSpace)) throw new ArgumentException($"invalid subject '{subject}': whitespace");
            var wild = t is "*" || (t is ">" && i == tokens.Length - 1);
            if (wild && !allowWildcards) throw new ArgumentException($"invalid subject '{subject}': wildcards are not allowed here");
            if (!wild && (t.Contains('*') || t.Contains('>'))) throw new ArgumentException($"invalid subject '{subject}': misplaced wildcard");
        }
    }
}
