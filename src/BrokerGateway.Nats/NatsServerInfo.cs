using System.Text.Json;

namespace BrokerGateway.Nats;

/// <summary>
/// The server's INFO (digest §3). Unknown fields are ignored; INFO may come again at any time (cluster changes,
/// lame duck), and <see cref="NatsConnection.ServerInfo"/> then shows the newest.
/// </summary>
public sealed record NatsServerInfo
{
    public string ServerId { get; init; } = "";
    public string? ServerName { get; init; }
    public string Version { get; init; } = "";
    public int Proto { get; init; }
    public string? Host { get; init; }
    public int Port { get; init; }
    /// <summary>Whether the server understands HPUB/HMSG.</summary>
    public bool Headers { get; init; }
    /// <summary>Largest headers + payload the server accepts in one message (default 1 MiB on the server).</summary>
    public long MaxPayload { get; init; } = 1024 * 1024;
    public ulong ClientId { get; init; }
    public string? ClientIp { get; init; }
    public bool AuthRequired { get; init; }
    public bool TlsRequired { get; init; }
    public string? Cluster { get; init; }
    /// <summary>Other servers of the cluster clients may use, as host:port.</summary>
    public IReadOnlyList<string> ConnectUrls { get; init; } = [];
    /// <summary>The server is in lame-duck mode: it will shut down, clients should move.</summary>
    public bool LameDuckMode { get; init; }
    public string? Nonce { get; init; }
    public bool JetStream { get; init; }
    public string? Domain { get; init; }

    /// <summary>Parses the JSON of an INFO line.</summary>
    /// <exception cref="NatsProtocolException">It is not a JSON object.</exception>
    public static NatsServerInfo Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("INFO is not a JSON object");
            var info = new NatsServerInfo();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                info = name switch
                {
                    "server_id" => info with { ServerId = Str(ref reader) ?? "" },
                    "server_name" => info with { ServerName = Str(ref reader) },
                    "version" => info with { Version = Str(ref reader) ?? "" },
                    "proto" => info with { Proto = (int)Num(ref reader) },
                    "host" => info with { Host = Str(ref reader) },
                    "port" => info with { Port = (int)Num(ref reader) },
                    "headers" => info with { Headers = Bool(ref reader) },
                    "max_payload" => info with { MaxPayload = Num(ref reader) },
                    "client_id" => info with { ClientId = (ulong)Num(ref reader) },
                    "client_ip" => info with { ClientIp = Str(ref reader) },
                    "auth_required" => info with { AuthRequired = Bool(ref reader) },
                    "tls_required" => info with { TlsRequired = Bool(ref reader) },
                    "cluster" => info with { Cluster = Str(ref reader) },
                    "connect_urls" => info with { ConnectUrls = Strings(ref reader) },
                    "ldm" => info with { LameDuckMode = Bool(ref reader) },
                    "nonce" => info with { Nonce = Str(ref reader) },
                    "jetstream" => info with { JetStream = Bool(ref reader) },
                    "domain" => info with { Domain = Str(ref reader) },
                    _ => Skip(ref reader, info),
                };
            }
            if (reader.TokenType != JsonTokenType.EndObject) throw new JsonException("INFO object not closed");
            return info;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new NatsProtocolException($"protocol error: INFO is not valid JSON ({ex.Message})", ex);
        }
    }

    static NatsServerInfo Skip(ref Utf8JsonReader reader, NatsServerInfo info)
    {
        reader.Skip();
        return info;
    }

    static string? Str(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.Null ? null : reader.GetString();

    static long Num(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.Number ? reader.GetInt64() : throw new JsonException("expected a number");

    static bool Bool(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False or JsonTokenType.Null => false,
        _ => throw new JsonException("expected true or false"),
    };

    static IReadOnlyList<string> Strings(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return [];
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("expected an array");
        var list = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            if (reader.GetString() is { } s) list.Add(s);
        return list;
    }
}
