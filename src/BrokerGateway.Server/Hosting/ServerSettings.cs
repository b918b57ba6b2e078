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
public sealed partial record ServerSettings
{
    /// <summary>Public HTTP/1.1 port: client WebSockets, health, demo page.</summary>
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

    /// <summary>
    /// With the framed stack on Linux, a push's fan-out writes its idle sockets with one io_uring submission
    /// (<see cref="Transport.Framed.RingSender"/>) instead of a system call each; where the kernel refuses
    /// io_uring, sockets are written one by one as with this off.
    /// </summary>
    public bool IoUring { get; init; } = true;

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
        ["BGW_PING_INTERVAL_MS"] = "Gateway:PingIntervalMs",
        ["BGW_DRAIN_SPREAD_MS"] = "Gateway:DrainSpreadMs",
        ["BGW_DRAIN_NOTICE_MS"] = "Gateway:DrainNoticeMs",
        ["BGW_EVENT_FORMAT"] = "Gateway:EventFormat",
        ["BGW_WEBSOCKET"] = "Gateway:WebSocket",
        ["BGW_IO_URING"] = "Gateway:IoUring",
        ["BGW_JWT_ALG"] = "Gateway:Jwt:Algorithm",
        ["BGW_JWT_SECRET"] = "Gateway:Jwt:Secret",
        ["BGW_JWT_PUBLIC_KEY_FILE"] = "Gateway:Jwt:PublicKeyFile",
        ["BGW_JWT_ISSUER"] = "Gateway:Jwt:Issuer",
        ["BGW_JWT_AUDIENCE"] = "Gateway:Jwt:Audience",
    };

    /// <summary>Keys whose empty value is read as given (and validated); every other key reads an empty or blank value as unset.</summary>
    internal static readonly IReadOnlySet<string> EmptyIsAValue = new HashSet<string> { "Gateway:SubjectPrefix", "Gateway:DefaultNamespace" };

    /// <summary>
    /// Reads the <c>Gateway</c> section. Throws <see cref="InvalidSettingsException"/> listing every value
    /// that cannot be read (a word where a number goes, an unknown name, a key file that is not there, a key no
    /// setting reads); <see cref="Validate"/> then checks that the values can work together.
    /// </summary>
    public static ServerSettings Load(IConfiguration configuration)
    {
        var problems = new List<string>();
        var c = new SettingsReader(configuration.GetSection("Gateway"), problems);
        c.RejectUnknownKeys(KnownKeys);
        var d = new ServerSettings();
        var gateway = new GatewayOptions();
        var limits = new ClientLimits();
        var policy = new NamespacePolicy
        {
            AllowGuests = c.Bool("AllowGuests", gateway.DefaultPolicy.AllowGuests),
            ClientPublish = c.Bool("ClientPublish", gateway.DefaultPolicy.ClientPublish),
        };
        var settings = new ServerSettings
        {
            PublicPort = c.Int("PublicPort", d.PublicPort),
            GrpcPort = c.Int("GrpcPort", d.GrpcPort),
            InternalPort = c.Int("InternalPort", d.InternalPort),
            BindAddress = c.Text("BindAddress") ?? d.BindAddress,
            NatsUrl = c.Text("NatsUrl"),
            Redis = c.Text("Redis"),
            ApiToken = c.Text("ApiToken"),
            EventFormat = c.Enum("EventFormat", d.EventFormat),
            WebSocketStack = c.Enum("WebSocket", d.WebSocketStack),
            IoUring = c.Bool("IoUring", d.IoUring),
            DrainSpread = c.Milliseconds("DrainSpreadMs", d.DrainSpread),
            DrainNotice = c.Milliseconds("DrainNoticeMs", d.DrainNotice),
            Auth = new AuthOptions
            {
                Algorithm = c.Text("Jwt:Algorithm") ?? d.Auth.Algorithm,
                Secret = c.Text("Jwt:Secret"),
                PublicKeyPem = ReadKeyFile(c.Text("Jwt:PublicKeyFile"), problems) ?? c.Text("Jwt:PublicKeyPem"),
                Issuer = c.Text("Jwt:Issuer"),
                Audience = c.Text("Jwt:Audience"),
            },
            Limits = limits with
            {
                MaxMessageBytes = c.Int("MaxMessageBytes", limits.MaxMessageBytes),
                MessagesPerSecond = c.Double("MessagesPerSecond", limits.MessagesPerSecond),
                PingInterval = c.Milliseconds("PingIntervalMs", limits.PingInterval),
            },
            Gateway = gateway with
            {
                NodeId = c.Text("NodeId") ?? gateway.NodeId,
                // Set but empty is a mistake to report, not the default: Validate says so.
                SubjectPrefix = c.Raw("SubjectPrefix") ?? gateway.SubjectPrefix,
                DefaultNamespace = c.Raw("DefaultNamespace") ?? gateway.DefaultNamespace,
                LeaseTtl = c.Milliseconds("LeaseTtlMs", gateway.LeaseTtl),
                SendQueueLimit = c.Int("SendQueueLimit", gateway.SendQueueLimit),
                MaxConnectionsPerUser = c.Int("MaxConnectionsPerUser", gateway.MaxConnectionsPerUser),
                MaxRoomsPerConnection = c.Int("MaxRoomsPerConnection", gateway.MaxRoomsPerConnection),
                DefaultPolicy = policy,
            },
        };
        if (problems.Count > 0) throw new InvalidSettingsException(problems);
        return settings;
    }

    static string? ReadKeyFile(string? path, List<string> problems)
    {
        if (path is null) return null;
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problems.Add($"{Describe("Jwt:PublicKeyFile")}: cannot read '{path}': {e.Message}");
            return null;
        }
    }

    /// <summary>Adds the <c>BGW_*</c> variables on top of the other configuration sources.</summary>
    public static void AddEnvironment(IConfigurationBuilder builder)
    {
        var values = new Dictionary<string, string?>();
        foreach (var (variable, key) in EnvironmentVariables)
            if (Environment.GetEnvironmentVariable(variable) is { } value) values[key] = value;
        builder.AddInMemoryCollection(values);
    }
}
