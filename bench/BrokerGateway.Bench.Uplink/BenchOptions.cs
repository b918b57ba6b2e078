using System.Globalization;
using System.Reflection;

namespace BrokerGateway.Bench.Uplink;

/// <summary>
/// The benchmark's shape, from the command line. Every default is stated here; together they keep one run
/// under about three minutes on two cores (the deadline stops it in any case).
/// </summary>
public sealed record BenchOptions
{
    /// <summary>Markdown results file. Default <c>bench/results/uplink.md</c>.</summary>
    public string ResultsPath { get; init; } = "bench/results/uplink.md";

    /// <summary>Gateway replica to run. Default: the one this build made beside the bench.</summary>
    public string ServerDll { get; init; } = BuiltServerDll();

    /// <summary>Replicas the clients are spread over. Default 2.</summary>
    public int Replicas { get; init; } = 2;

    /// <summary>WebSocket clients sending <c>send</c> frames, round-robin over the replicas. Default 200.</summary>
    public int Clients { get; init; } = 200;

    /// <summary>
    /// Messages one sender may have sent that no worker has received yet (its credit). Default 16, so at most
    /// 3,200 are in flight in all: well under a worker subscription's pending limit (16,384), so a full
    /// queue can never drop one and pass for a gateway loss.
    /// </summary>
    public int Window { get; init; } = 16;

    /// <summary>Bytes of <c>data</c> in each client message and RPC. Default 64.</summary>
    public int PayloadBytes { get; init; } = 64;

    /// <summary>Measured rounds per side; medians are quoted. Default 3.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>Length of one measured throughput window. Default 4 s.</summary>
    public double Seconds { get; init; } = 4;

    /// <summary>Time from the start of a round to the start of its measured window (ramp-up). Default 0.75 s.</summary>
    public double RampSeconds { get; init; } = 0.75;

    /// <summary>Sequential RPC calls per round. Default 2,000.</summary>
    public int RpcCalls { get; init; } = 2000;

    /// <summary>RPCs in flight for the RPC throughput figure. Default 64.</summary>
    public int RpcInFlight { get; init; } = 64;

    /// <summary>RPCs one client may have in flight (the gateway's limit, docs/events.md). Default 16.</summary>
    public int RpcPerClient { get; init; } = 16;

    /// <summary>Hard deadline for the whole run, startup included; past it everything stops and is killed. Default 210 s.</summary>
    public double MaxSeconds { get; init; } = 210;

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            double Dbl() => double.Parse(Next(), CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--results" => o with { ResultsPath = Next() },
                "--server-dll" => o with { ServerDll = Next() },
                "--replicas" => o with { Replicas = Int() },
                "--clients" => o with { Clients = Int() },
                "--window" => o with { Window = Int() },
                "--payload" => o with { PayloadBytes = Int() },
                "--rounds" => o with { Rounds = Int() },
                "--seconds" => o with { Seconds = Dbl() },
                "--rpc-calls" => o with { RpcCalls = Int() },
                "--rpc-in-flight" => o with { RpcInFlight = Int() },
                "--max-seconds" => o with { MaxSeconds = Dbl() },
                _ => throw new ArgumentException($"unknown argument '{args[i]}'"),
            };
        }
        o.Validate();
        return o;
    }

    void Validate()
    {
        if (Replicas < 1) throw new ArgumentException("--replicas must be at least 1");
        if (Clients < Replicas) throw new ArgumentException("--clients must be at least --replicas");
        if (Window < 1) throw new ArgumentException("--window must be at least 1");
        // The sender id, counter and timestamp are written into the payload (PayloadCodec).
        if (PayloadBytes < PayloadCodec.MinBytes) throw new ArgumentException($"--payload must be at least {PayloadCodec.MinBytes}");
        if (Rounds < 1 || Seconds <= 0 || RpcCalls < 1) throw new ArgumentException("--rounds, --seconds and --rpc-calls must be positive");
        if (RpcInFlight < 1) throw new ArgumentException("--rpc-in-flight must be at least 1");
        if (!File.Exists(ServerDll)) throw new ArgumentException($"no replica at {ServerDll}: build src/BrokerGateway.Server -c Release, or pass --server-dll");
    }

    /// <summary>Clients used for the RPC throughput figure: enough to respect the per-client limit, at least one per replica.</summary>
    public int RpcClients => Math.Max(Replicas, (RpcInFlight + RpcPerClient - 1) / RpcPerClient);

    static string BuiltServerDll() =>
        typeof(BenchOptions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "ServerDll")?.Value ?? "";
}
