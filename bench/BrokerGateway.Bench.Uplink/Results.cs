namespace BrokerGateway.Bench.Uplink;

/// <summary>The two sides of every comparison: through the gateway, and NATS alone (the limit).</summary>
public enum Side
{
    Gateway,
    Limit,
}

/// <summary>One measured window of messages to workers.</summary>
public sealed record SendRound(Side Side, int Round, double PerSecond, double P50Us, double P99Us, long Messages,
    double WindowSeconds, IReadOnlyDictionary<string, double> CpuSeconds);

/// <summary>One measured batch of RPCs: sequential (one in flight) or concurrent.</summary>
public sealed record RpcRound(Side Side, int Round, int InFlight, double PerSecond, double P50Us, double P99Us, long Calls, long Errors,
    IReadOnlyDictionary<string, double> CpuSeconds);

/// <summary>Everything the results file reports.</summary>
public sealed class BenchReport
{
    public required BenchOptions Options { get; init; }
    public required DateTimeOffset Started { get; init; }
    public required IReadOnlyList<(string Name, string Value)> Environment { get; init; }
    public string LoadBefore { get; set; } = "n/a";
    public string LoadAfter { get; set; } = "n/a";
    public TimeSpan Duration { get; set; }

    /// <summary>Size of one client event on the wire (protobuf <c>ClientEvent</c>), the limit's payload size.</summary>
    public int EventBytes { get; set; }

    public List<SendRound> Sends { get; } = [];
    public List<RpcRound> Rpcs { get; } = [];
    public DeliveryCheck GatewayDelivery { get; set; }
    public DeliveryCheck LimitDelivery { get; set; }

    /// <summary>Clients the gateway closed during the run, with why (none expected).</summary>
    public List<string> ClientFailures { get; } = [];
}
