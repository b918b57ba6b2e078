using System.Globalization;
using System.Reflection;

namespace BrokerGateway.Bench.Fanout;

/// <summary>
/// The shape of one fan-out run. Every default is the shape the gateway's goals are stated for
/// (bench/README.md): 3,000 clients over three replicas, 30 rooms of 100, 2,000 pushes of 64 bytes with
/// 100 in flight. Each can be changed on the command line as <c>--name value</c>.
/// </summary>
public sealed record BenchOptions
{
    /// <summary>Markdown file the results go to. Default <c>bench/results/fanout.md</c>.</summary>
    public string Results { get; init; } = "bench/results/fanout.md";

    /// <summary>Gateway replica processes, all on one nats-server and one redis-server. Default 3.</summary>
    public int Replicas { get; init; } = 3;

    /// <summary>Client sockets of the loaded runs, spread evenly over the replicas. Default 3,000.</summary>
    public int Clients { get; init; } = 3000;

    /// <summary>Rooms; each client is in exactly one, so a room holds Clients / Rooms members. Default 30.</summary>
    public int Rooms { get; init; } = 30;

    /// <summary>Pushes per loaded run, round-robin over the rooms. Default 2,000.</summary>
    public int Messages { get; init; } = 2000;

    /// <summary>Payload size in bytes (a JSON object carrying sequence and send time, padded). Default 64.</summary>
    public int PayloadBytes { get; init; } = 64;

    /// <summary>Pushes in flight in a loaded run: one is in flight until every member of its room has it. Default 100.</summary>
    public int Window { get; init; } = 100;

    /// <summary>Loaded runs; the report quotes their medians. Default 5 (the machine is noisy).</summary>
    public int Runs { get; init; } = 5;

    /// <summary>Pushes of each unloaded run (one at a time, the next once all members have the last). Default 200.</summary>
    public int UnloadedMessages { get; init; } = 200;

    /// <summary>
    /// Pushes of each unmeasured warm-up round (a loaded run, then a tenth of it one at a time). Rounds repeat
    /// until the replicas' JIT (tiered compilation) takes under <see cref="WarmupJitShare"/> of their CPU, at most
    /// <see cref="WarmupRounds"/> times. Default 1,000.
    /// </summary>
    public int WarmupMessages { get; init; } = 1000;

    /// <summary>Most warm-up rounds. Default 24.</summary>
    public int WarmupRounds { get; init; } = 24;

    /// <summary>
    /// Quiet rounds in a row (under <see cref="WarmupJitShare"/>) that end the warm-up. Default 4: with tiered
    /// PGO the JIT works in bursts a few rounds apart, methods moving from instrumented to final code as their
    /// counts come in, so one or two quiet rounds say little.
    /// </summary>
    public int WarmupQuietRounds { get; init; } = 4;

    /// <summary>Share of the replicas' CPU spent compiling below which they count as warm. Default 2 %.</summary>
    public double WarmupJitShare { get; init; } = 0.02;

    /// <summary>Clients of the idle-memory measurement on fresh replicas; 0 skips it. Default 10,000.</summary>
    public int IdleClients { get; init; } = 10_000;

    /// <summary>
    /// Clients of the capacity check: all on one fresh replica, then one push to each of their rooms; 0 skips
    /// it. Default 19,000 (the per-process file limit here is 20,000).
    /// </summary>
    public int CapacityClients { get; init; } = 19_000;

    /// <summary>Room size in the idle measurement (rooms are added to keep it). Default 100, as in the loaded shape.</summary>
    public int IdleRoomSize { get; init; } = 100;

    /// <summary>WebSocket handshakes in progress at once while clients connect. Default 64.</summary>
    public int ConnectConcurrency { get; init; } = 64;

    /// <summary>Longest wait for one run's deliveries before its missing ones count as lost. Default 30 s.</summary>
    public TimeSpan PhaseTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The whole benchmark stops (and kills what it started) after this. Default 5 min 30 s.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(330);

    /// <summary>
    /// Run the clients' socket completions on the socket engine's threads instead of the thread pool
    /// (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c> in the bench process only), so the 3,000 receive
    /// loops cost less of the CPU the replicas share. Default true; <c>--client-inline-completions false</c> turns it off.
    /// </summary>
    public bool ClientInlineCompletions { get; init; } = true;

    /// <summary>The replica to run; default the one built beside this benchmark.</summary>
    public string ServerDll { get; init; } = DefaultServerDll();

    /// <summary>Extra environment for the replicas (<c>--replica-env K=V</c>, repeatable), e.g. <c>DOTNET_gcServer=0</c>.</summary>
    public IReadOnlyDictionary<string, string> ReplicaEnvironment { get; init; } = new Dictionary<string, string>();

    public int MembersPerRoom => Clients / Rooms;

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        var env = new Dictionary<string, string>();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
            o = name switch
            {
                "--results" => o with { Results = Value() },
                "--replicas" => o with { Replicas = Int() },
                "--clients" => o with { Clients = Int() },
                "--rooms" => o with { Rooms = Int() },
                "--messages" => o with { Messages = Int() },
                "--payload" => o with { PayloadBytes = Int() },
                "--window" => o with { Window = Int() },
                "--runs" => o with { Runs = Int() },
                "--unloaded" => o with { UnloadedMessages = Int() },
                "--warmup" => o with { WarmupMessages = Int() },
                "--warmup-rounds" => o with { WarmupRounds = Int() },
                "--warmup-quiet-rounds" => o with { WarmupQuietRounds = Int() },
                "--idle-clients" => o with { IdleClients = Int() },
                "--idle-room-size" => o with { IdleRoomSize = Int() },
                "--capacity-clients" => o with { CapacityClients = Int() },
                "--connect-concurrency" => o with { ConnectConcurrency = Int() },
                "--phase-timeout-s" => o with { PhaseTimeout = TimeSpan.FromSeconds(Int()) },
                "--deadline-s" => o with { Deadline = TimeSpan.FromSeconds(Int()) },
                "--server-dll" => o with { ServerDll = Value() },
                "--client-inline-completions" => o with { ClientInlineCompletions = bool.Parse(Value()) },
                "--replica-env" => AddEnv(o, env, Value()),
                _ => throw new ArgumentException($"unknown argument {name}; see bench/README.md"),
            };
        }
        return o.Validate();
    }

    static BenchOptions AddEnv(BenchOptions o, Dictionary<string, string> env, string pair)
    {
        var eq = pair.IndexOf('=');
        if (eq <= 0) throw new ArgumentException($"--replica-env wants KEY=VALUE, got '{pair}'");
        env[pair[..eq]] = pair[(eq + 1)..];
        return o with { ReplicaEnvironment = env };
    }

    BenchOptions Validate()
    {
        if (Replicas < 1) throw new ArgumentException("--replicas must be at least 1");
        if (Rooms < 1 || Clients < Rooms) throw new ArgumentException("--clients must be at least --rooms, and --rooms at least 1");
        if (Clients % Rooms != 0) throw new ArgumentException("--clients must be a multiple of --rooms, so every room has as many members");
        if (Messages < 1 || Window < 1 || Runs < 1) throw new ArgumentException("--messages, --window and --runs must be positive");
        if (PayloadBytes is < PushPayload.MinimumBytes or > 60_000)
            throw new ArgumentException($"--payload must be between {PushPayload.MinimumBytes} and 60000");
        if (IdleClients < 0 || IdleRoomSize < 1) throw new ArgumentException("--idle-clients must be >= 0, --idle-room-size >= 1");
        if (!File.Exists(ServerDll)) throw new ArgumentException($"replica not found at {ServerDll}; build src/BrokerGateway.Server or pass --server-dll");
        return this;
    }

    static string DefaultServerDll() =>
        typeof(BenchOptions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "ServerDll")?.Value ?? "BrokerGateway.Server.dll";
}
