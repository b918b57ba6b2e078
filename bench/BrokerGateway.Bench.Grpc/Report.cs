using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace BrokerGateway.Bench.Grpc;

internal static class Report
{
    /// <summary>The 1-minute load average, so a reader can tell a quiet run from a busy one.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "n/a";

    public static string Markdown(IReadOnlyList<Bench.Sample> allSamples, string[] modes, int[] concurrencies, double seconds, TimeSpan took, int messageSize,
        string loadBefore, string loadAfter)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# gRPC unary: BrokerGateway.Grpc beside plain Kestrel HTTP/2");
        sb.AppendLine();
        sb.AppendLine("`scripts/bench.sh grpc`. One process: Kestrel on a 127.0.0.1 h2c port serving both the gRPC layer");
        sb.AppendLine("(`/bench.v1.Bench/Echo`, request parsed and response serialized through Google.Protobuf) and a plain");
        sb.AppendLine("`MapPost` endpoint that reads the body and writes the same bytes with the same headers and trailer");
        sb.AppendLine("(the limit). Both are called by the same `GrpcClient` (HttpClient, HTTP/2), callers in closed loops.");
        sb.AppendLine(ci, $"Request and response: a {messageSize}-byte message (id, target, 64-byte payload). {allSamples.Select(s => s.Round).DefaultIfEmpty().Max()} rounds of {seconds:0.#} s per side and concurrency,");
        sb.AppendLine("the side that goes first alternating per round; figures are medians over the rounds, and \"vs limit\" is");
        sb.AppendLine("the median of the per-round ratios (each round's two runs are back to back).");
        sb.AppendLine();
        sb.AppendLine(ci, $"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; client and server share the cores. Run took {took.TotalSeconds:0} s on {DateTime.UtcNow:yyyy-MM-dd};");
        sb.AppendLine(ci, $"load average {loadBefore} before and {loadAfter} after (other work on the machine shows up as round-to-round spread).");
        foreach (var mode in modes)
        {
            var samples = allSamples.Where(s => s.Mode == mode).ToList();
            if (samples.Count == 0) continue;
            sb.AppendLine();
            sb.AppendLine(ci, $"## {char.ToUpperInvariant(mode[0])}{mode[1..]}");
            sb.AppendLine();
            sb.AppendLine("| callers | side | calls/s | p50 µs | p99 µs | errors | calls/s vs limit |");
            sb.AppendLine("|---:|---|---:|---:|---:|---:|---:|");
            foreach (var c in concurrencies)
            {
                var ours = samples.Where(s => s.Concurrency == c && s.Target == "BrokerGateway.Grpc").ToList();
                var plain = samples.Where(s => s.Concurrency == c && s.Target == "plain Kestrel").ToList();
                if (ours.Count == 0 || plain.Count == 0) continue;
                // Paired per round (the two sides ran back to back), then the median: steadier than a ratio of
                // medians on a machine whose load drifts.
                var ratio = Median(ours.Join(plain, o => o.Round, p => p.Round, (o, p) => o.CallsPerSecond / p.CallsPerSecond));
                Row(c, "plain Kestrel (limit)", plain, "100%");
                Row(c, "BrokerGateway.Grpc", ours, (ratio * 100).ToString("0", ci) + "%");
            }
            sb.AppendLine();
            sb.AppendLine("Per round (calls/s, ours / limit):");
            sb.AppendLine();
            foreach (var c in concurrencies)
            {
                var rows = samples.Where(s => s.Concurrency == c).GroupBy(s => s.Round).OrderBy(g => g.Key)
                    .Select(g => string.Format(ci, "{0:N0} / {1:N0}",
                        g.FirstOrDefault(s => s.Target == "BrokerGateway.Grpc")?.CallsPerSecond ?? double.NaN,
                        g.FirstOrDefault(s => s.Target == "plain Kestrel")?.CallsPerSecond ?? double.NaN));
                sb.AppendLine(ci, $"- {c} caller{(c == 1 ? "" : "s")}: {string.Join("; ", rows)}");
            }
        }
        return sb.ToString();

        void Row(int c, string name, List<Bench.Sample> s, string ratio) =>
            sb.AppendLine(ci, $"| {c} | {name} | {Median(s.Select(x => x.CallsPerSecond)):N0} | {Median(s.Select(x => x.P50Us)):N0} | {Median(s.Select(x => x.P99Us)):N0} | {s.Sum(x => x.Errors)} | {ratio} |");
    }

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
