using System.Diagnostics;
using System.Text;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Server.Uplink;

namespace BrokerGateway.Server.Operations;

/// <summary><c>/metrics</c> in the Prometheus text format: this replica's gauges and counters.</summary>
public static class Metrics
{
    public const string Path = "/metrics";

    public static Task WriteAsync(HttpContext http)
    {
        var node = http.RequestServices.GetRequiredService<GatewayNode>();
        using var process = Process.GetCurrentProcess();
        var text = new StringBuilder();
        var nodeLabel = LabelValue(node.NodeId);
        void Metric(string name, string type, string help, double value)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            text.Append(name).Append("{node=\"").Append(nodeLabel).Append("\"} ").Append(value.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }
        Metric("bgw_connections", "gauge", "Client sockets held by this replica.", node.ConnectionCount);
        Metric("bgw_broker_subscriptions", "gauge", "Broker subjects this replica listens on.", node.Groups.SubscriptionCount);
        Metric("bgw_deliveries_total", "counter", "Pushes queued to local sockets.", node.Delivered);
        Metric("bgw_deliveries_refused_total", "counter", "Pushes refused by a full send queue; each closes its socket as a slow consumer (4002).", node.Refused);
        // One series per code the gateway knows, "other" for the rest: bounded, whatever clients send.
        void ByCode(string name, string help, string label, IEnumerable<(string Code, long Count)> counts)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(" counter\n");
            foreach (var (code, count) in counts)
            {
                text.Append(name).Append("{node=\"").Append(nodeLabel).Append("\",").Append(label).Append("=\"").Append(code)
                    .Append("\"} ").Append(count.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            }
        }
        ByCode("bgw_connections_closed_total", "Client sockets closed, by close code (4002: slow consumer, 4003: rate limited, 4058: message too big, 1000: closed by the client, 1006: lost...).",
            "code", node.ClosesByCode.Select(c => (c.Code == GatewayNode.OtherCloseCode ? "other" : c.Code.ToString(System.Globalization.CultureInfo.InvariantCulture), c.Count)));
        ByCode("bgw_client_requests_failed_total", "Client requests answered with an error, by its code (bad_request, forbidden, limit_exceeded, unavailable, timeout, internal...).",
            "error", node.RequestErrorsByCode);
        Metric("bgw_commands_rejected_total", "counter", "Bgw-Op commands not applied: unknown operation or unreadable arguments.", node.CommandsRejected);
        Metric("bgw_client_events_failed_total", "counter", "Client events (open, close, message, joins…) not handed to the broker.",
            http.RequestServices.GetRequiredService<UplinkPublisher>().Failed);
        Metric("bgw_broker_connected", "gauge", "1 while the broker link is up.", node.Broker.IsConnected ? 1 : 0);
        Metric("bgw_draining", "gauge", "1 while this replica drains.", node.IsDraining ? 1 : 0);
        Metric("process_cpu_seconds_total", "counter", "CPU time of this process.", process.TotalProcessorTime.TotalSeconds);
        Metric("process_resident_memory_bytes", "gauge", "Resident set size.", process.WorkingSet64);
        Metric("dotnet_gc_heap_bytes", "gauge", "Managed heap, garbage not yet collected included.", GC.GetTotalMemory(false));
        Metric("dotnet_jit_methods_total", "counter", "Methods compiled, tier-ups included: flat once the hot paths are compiled.",
            System.Runtime.JitInfo.GetCompiledMethodCount());
        http.Response.ContentType = "text/plain; version=0.0.4";
        return http.Response.WriteAsync(text.ToString());
    }

    /// <summary>A label value in the text format: BGW_NODE_ID is free text, and a quote in it would end the label.</summary>
    static string LabelValue(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
