using BrokerGateway.Core.Gateway;
using BrokerGateway.Server.Auth;
using BrokerGateway.Server.Protocol;
using BrokerGateway.Server.Transport;
using BrokerGateway.Server.Uplink;

namespace BrokerGateway.Server.Hosting;

/// <summary>
/// Everything one replica is configured with. Read from the <c>Gateway</c> section of appsettings.json,
/// then from <c>BGW_*</c> environment variables (<see cref="EnvironmentVariables"/>, listed in the README).
/// </summary>
public sealed record ServerSettings
{
    /// <summary>Public HTTP/1.1 port: client WebSockets, health, demo page. 0 picks a free port.</summary>
    public int PublicPort { get; init; } = 8080;

    /// <summary>Internal HTTP/2 cleartext port: gRPC.</summary>
    public int GrpcPort { get; init; } = 8081;

    /// <summary>Internal HTTP/1.1 port: metrics, admin, engine APIs.</summary>
    public int InternalPort { get; init; } = 8082;

    /// <summary>Address to bind (<c>0.0.0.0</c> for all, <c>127.0.0.1</c> for loopback only).</summary>
    public string BindAddress { get; init; } = "0.0.0.0";

    /// <summary>NATS servers, comma-separated; empty for the in-memory broker (one replica only).</summary>
    public string? NatsUrl { get; init; }

    /// <summary>Redis endpoint(s) in StackExchange.Redis syntax; empty for in-memory presence (one replica only).</summary>
    public string? Redis { get; init; }

    /// <summary>Bearer token required on the gRPC and internal ports; empty leaves them open (loopback use only).</summary>
    public string? ApiToken { get; init; }

    /// <summary>How long a drain spreads clients' reconnects over.</summary>
    public TimeSpan DrainSpread { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a stopping replica reports not ready (and takes no new client) before it drains its clients,
    /// so load balancers see it leave before its ports close. Zero by default: the drain starts at once.
    /// </summary>
    public TimeSpan DrainNotice { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// The WebSocket implementation for client and engine sockets: <see cref="WebSocketStack.Framed"/>
    /// (default: the gateway's own framing, one write per batch of frames) or
    /// <see cref="WebSocketStack.Builtin"/> (ASP.NET Core's stack, one write per frame).
    /// </summary>
    public WebSocketStack WebSocketStack { get; init; } = WebSocketStack.Framed;

    /// <summary>Encoding of client events on <c>bgw.&lt;nsp&gt;.events.*</c>: protobuf (default) or its JSON mapping.</summary>
    public EventFormat EventFormat { get; init; } = EventFormat.Protobuf;

    public AuthOptions Auth { get; init; } = new();
    public ClientLimits Limits { get; init; } = new();
    public GatewayOptions Gateway { get; init; } = new();

    public bool Embedded => string.IsNullOrEmpty(NatsUrl) && string.IsNullOrEmpty(Redis);

    /// <summary>Environment variable → configuration key. Environment wins over appsettings.json.</summary>
    public static readonly IReadOnlyDictionary<string, string> EnvironmentVariables = new Dictionary<string, string>
    {
        ["BGW_PUBLIC_PORT"] = "Gateway:PublicPort",
        ["BGW_GRPC_PORT"] = "Gateway:GrpcPort",
        ["BGW_INTERNAL_PORT"] = "Gateway:InternalPort",
        ["BGW_BIND"] = "Gateway:BindAddress",
        ["BGW_NATS_URL"] = "Gateway:NatsUrl",
        ["BGW_REDIS"] = "Gateway:Redis",
        ["BGW_API_TOKEN"] = "Gateway:ApiToken",
        ["BGW_NODE_ID"] = "Gateway:NodeId",
        ["BGW_SUBJECT_PREFIX"] = "Gateway:SubjectPrefix",
        ["BGW_DEFAULT_NAMESPACE"] = "Gateway:DefaultNamespace",
        ["BGW_ALLOW_GUESTS"] = "Gateway:AllowGuests",
        ["BGW_CLIENT_PUBLISH"] = "Gateway:ClientPublish",
        ["BGW_LEASE_TTL_MS"] = "Gateway:LeaseTtlMs",
        ["BGW_SEND_QUEUE"] = "Gateway:SendQueueLimit",
        ["BGW_MAX_CONNECTIONS_PER_USER"] = "Gateway:MaxConnectionsPerUser",
        ["BGW_MAX_ROOMS_PER_CONNECTION"] = "Gateway:MaxRoomsPerConnection",
        ["BGW_MAX_MESSAGE_BYTES"] = "Gateway:MaxMessageBytes",
        ["BGW_MESSAGES_PER_SECOND"] = "Gateway:MessagesPerSecond",
        ["BGW_DRAIN_SPREAD_MS"] = "Gateway:DrainSpreadMs",
        ["BGW_DRAIN_NOTICE_MS"] = "Gateway:DrainNoticeMs",
        ["BGW_EVENT_FORMAT"] = "Gateway:EventFormat",
        ["BGW_WEBSOCKET"] = "Gateway:WebSocket",
        ["BGW_JWT_ALG"] = "Gateway:Jwt:Algorithm",
        ["BGW_JWT_SECRET"] = "Gateway:Jwt:Secret",
        ["BGW_JWT_PUBLIC_KEY_FILE"] = "Gateway:Jwt:PublicKeyFile",
        ["BGW_JWT_ISSUER"] = "Gateway:Jwt:Issuer",
        ["BGW_JWT_AUDIENCE"] = "Gateway:Jwt:Audience",
    };

    public static ServerSettings Load(IConfiguration configuration)
    {
        var c = configuration.GetSection("Gateway");
        var d = new ServerSettings();
        var gateway = new GatewayOptions();
        var limits = new ClientLimits();
        var policy = new NamespacePolicy
        {
            AllowGuests = c.GetValue("AllowGuests", gateway.DefaultPolicy.AllowGuests),
            ClientPublish = c.GetValue("ClientPublish", gateway.DefaultPolicy.ClientPublish),
        };
        var keyFile = c["Jwt:PublicKeyFile"];
        return new ServerSettings
        {
            PublicPort = c.GetValue("PublicPort", d.PublicPort),
            GrpcPort = c.GetValue("GrpcPort", d.GrpcPort),
            InternalPort = c.GetValue("InternalPort", d.InternalPort),
            BindAddress = c["BindAddress"] ?? d.BindAddress,
            NatsUrl = NullIfEmpty(c["NatsUrl"]),
            Redis = NullIfEmpty(c["Redis"]),
            ApiToken = NullIfEmpty(c["ApiToken"]),
            EventFormat = c.GetValue("EventFormat", d.EventFormat),
            WebSocketStack = c.GetValue("WebSocket", d.WebSocketStack),
            DrainSpread = TimeSpan.FromMilliseconds(c.GetValue("DrainSpreadMs", d.DrainSpread.TotalMilliseconds)),
            DrainNotice = TimeSpan.FromMilliseconds(c.GetValue("DrainNoticeMs", d.DrainNotice.TotalMilliseconds)),
            Auth = new AuthOptions
            {
                Algorithm = c["Jwt:Algorithm"] ?? d.Auth.Algorithm,
                Secret = NullIfEmpty(c["Jwt:Secret"]),
                PublicKeyPem = keyFile is { Length: > 0 } ? File.ReadAllText(keyFile) : NullIfEmpty(c["Jwt:PublicKeyPem"]),
                Issuer = NullIfEmpty(c["Jwt:Issuer"]),
                Audience = NullIfEmpty(c["Jwt:Audience"]),
            },
            Limits = limits with
            {
                MaxMessageBytes = c.GetValue("MaxMessageBytes", limits.MaxMessageBytes),
                MessagesPerSecond = c.GetValue("MessagesPerSecond", limits.MessagesPerSecond),
            },
            Gateway = gateway with
            {
                NodeId = NullIfEmpty(c["NodeId"]) ?? gateway.NodeId,
                SubjectPrefix = c["SubjectPrefix"] ?? gateway.SubjectPrefix,
                DefaultNamespace = c["DefaultNamespace"] ?? gateway.DefaultNamespace,
                LeaseTtl = TimeSpan.FromMilliseconds(c.GetValue("LeaseTtlMs", gateway.LeaseTtl.TotalMilliseconds)),
                SendQueueLimit = c.GetValue("SendQueueLimit", gateway.SendQueueLimit),
                MaxConnectionsPerUser = c.GetValue("MaxConnectionsPerUser", gateway.MaxConnectionsPerUser),
                MaxRoomsPerConnection = c.GetValue("MaxRoomsPerConnection", gateway.MaxRoomsPerConnection),
                DefaultPolicy = policy,
            },
        };
    }

    /// <summary>Adds the <c>BGW_*</c> variables on top of the other configuration sources.</summary>
    public static void AddEnvironment(IConfigurationBuilder builder)
    {
        var values = new Dictionary<string, string?>();
        foreach (var (variable, key) in EnvironmentVariables)
            if (Environment.GetEnvironmentVariable(variable) is { } value) values[key] = value;
        builder.AddInMemoryCollection(values);
    }

    static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
