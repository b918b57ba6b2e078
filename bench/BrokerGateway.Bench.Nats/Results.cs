using System.Globalization;
using System.Text;

namespace BrokerGateway.Bench.Nats;

sealed record RunInfo(DateTime Date, int Cores, string Cpu, string ServerVersion, string Runtime, int Rounds, int Messages, int Requests, TimeSpan Duration)
{
    public static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}

/// <summary>Every round's figure, reported as medians with the ratio ours / theirs.</summary>
sealed class Results
{
    readonly List<(string Measure, string Unit, int Size, string Client, double Value)> _rows = [];

    readonly List<(int Size, string Client, long Lost)> _lost = [];

    public void Add(string measure, string unit, int size, string client, double value) => _rows.Add((measure, unit, size, client, value));

    /// <summary>Messages a subscriber never received in a publish → subscribe round (its rate counts only what arrived).</summary>
    public void AddLost(int size, string client, long lost) => _lost.Add((size, client, lost));

    public string ToMarkdown(string ours, string theirs, string ceiling, RunInfo run)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# NATS client benchmark");
        sb.AppendLine();
        sb.AppendLine($"`scripts/bench.sh nats` — {ours} beside {theirs}, one nats-server, one run, clients alternating first.");
        sb.AppendLine();
        sb.AppendLine($"- date: {run.Date.ToString("yyyy-MM-dd HH:mm 'UTC'", c)}");
        sb.AppendLine($"- machine: {run.Cores} cores (`nproc`), {run.Cpu}; shared with other work, so absolute figures vary between runs");
        sb.AppendLine($"- server: {run.ServerVersion} on 127.0.0.1; .NET {run.Runtime}");
        sb.AppendLine($"- {run.Rounds} rounds per figure, medians shown; {run.Messages:N0} messages per throughput round, {run.Requests:N0} sequential requests per latency round; run took {run.Duration.TotalSeconds:N0} s");
        sb.AppendLine("- publish only: publish all, then one flush (PING/PONG). publish → subscribe: separate publisher and subscriber connections, timed until the subscriber has every message (at most ~16 MiB in flight). request/reply: responder on a second connection, one request at a time.");
        sb.AppendLine($"- {ceiling}: our publisher and a subscriber that only counts bytes off the socket — what the server and machine allow any subscriber; each client's publish → subscribe figure is bounded by it.");
        sb.AppendLine();
        sb.AppendLine($"| measurement | payload | {ours} | {theirs} | ours / theirs | {ceiling} |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var group in _rows.GroupBy(r => (r.Size, r.Measure, r.Unit)).OrderBy(g => g.Key.Size))
        {
            var o = Median(group.Where(r => r.Client == ours).Select(r => r.Value));
            var t = Median(group.Where(r => r.Client == theirs).Select(r => r.Value));
            var limit = Median(group.Where(r => r.Client == ceiling).Select(r => r.Value));
            var format = group.Key.Unit == "µs" ? "N1" : "N0";
            var note = group.Key.Unit is "µs" or "B" ? " (lower is better)" : "";
            sb.AppendLine(c, $"| {group.Key.Measure} ({group.Key.Unit}) | {Size(group.Key.Size)} | {o.ToString(format, c)} | {t.ToString(format, c)} | {(o / t).ToString("N2", c)}×{note} | {(double.IsNaN(limit) ? "—" : limit.ToString(format, c))} |");
        }
        sb.AppendLine();
        var losses = _lost.Where(l => l.Lost > 0).GroupBy(l => (l.Size, l.Client)).ToList();
        sb.AppendLine(losses.Count == 0
            ? "Every publish → subscribe round delivered every message."
            : "Messages lost in publish → subscribe rounds (the rate counts only what arrived): "
              + string.Join("; ", losses.Select(g => $"{g.Key.Client} at {Size(g.Key.Size)}: {string.Join(", ", g.Select(l => l.Lost.ToString("N0", c)))}")) + ".");
        sb.AppendLine();
        sb.AppendLine("<details><summary>every round</summary>");
        sb.AppendLine();
        sb.AppendLine("| measurement | payload | client | rounds |");
        sb.AppendLine("|---|---:|---|---|");
        foreach (var group in _rows.GroupBy(r => (r.Size, r.Measure, r.Unit, r.Client)).OrderBy(g => g.Key.Size))
            sb.AppendLine(c, $"| {group.Key.Measure} ({group.Key.Unit}) | {Size(group.Key.Size)} | {group.Key.Client} | {string.Join(", ", group.Select(r => r.Value.ToString(group.Key.Unit == "µs" ? "N1" : "N0", c)))} |");
        sb.AppendLine();
        sb.AppendLine("</details>");
        return sb.ToString();
    }

    static string Size(int bytes) => bytes >= 1024 ? $"{bytes / 1024} KiB" : $"{bytes} B";

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
