namespace BrokerGateway.Nats.Internal;

/// <summary>One server of the pool, with the credentials to use on it.</summary>
/// <param name="IsImplicit">Learned from INFO <c>connect_urls</c> rather than configured; such servers leave the pool when the cluster stops announcing them (digest §12).</param>
sealed record ServerAddress(string Host, int Port, string? User, string? Password, string? Token, bool IsImplicit)
{
    public const int DefaultPort = 4222;

    /// <summary>host:port, the identity used to merge announcements (which carry no scheme, digest §12).</summary>
    public string HostPort => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    public override string ToString() => HostPort;

    /// <summary>
    /// Parses <c>nats://[user:pass@|token@]host[:port]</c>, or the same without a scheme.
    /// Throws <see cref="ArgumentException"/> with the offending URL.
    /// </summary>
    public static ServerAddress Parse(string url, bool isImplicit = false)
    {
        if (string.IsNullOrWhiteSpace(url)) throw new ArgumentException("a server URL is empty");
        var text = url.Trim();
        if (!text.Contains("://", StringComparison.Ordinal)) text = "nats://" + text;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new ArgumentException($"'{url}' is not a valid NATS server URL (expected nats://host:port)");
        if (!uri.Scheme.Equals("nats", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"'{url}': scheme '{uri.Scheme}' is not supported (only nats://; TLS is not implemented)");
        if (uri.AbsolutePath is not ("" or "/") || uri.Query.Length > 0)
            throw new ArgumentException($"'{url}' must not have a path or query");
        var port = uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port;
        string? user = null, password = null, token = null;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':');
            if (colon < 0) token = Uri.UnescapeDataString(uri.UserInfo);
            else
            {
                user = Uri.UnescapeDataString(uri.UserInfo[..colon]);
                password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }
        var host = uri.Host.StartsWith('[') ? uri.Host[1..^1] : uri.Host;
        return new ServerAddress(host, port, user, password, token, isImplicit);
    }
}
