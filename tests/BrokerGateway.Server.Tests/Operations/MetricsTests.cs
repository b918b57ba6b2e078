using System.Globalization;
using BrokerGateway.Core.Addressing;

namespace BrokerGateway.Server.Tests.Operations;

/// <summary>/metrics against what was done: the figures an operator alerts on mean what their names say.</summary>
public sealed class MetricsTests
{
    static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Each series of /metrics, with its labels, to its value.</summary>
    static async Task<Dictionary<string, double>> ScrapeAsync(TestGateway gateway)
    {
        var text = await Http.GetStringAsync($"http://127.0.0.1:{gateway.InternalPort}/metrics");
        return text.Split('\n').Where(l => l.Length > 0 && l[0] != '#')
            .ToDictionary(l => l[..l.LastIndexOf(' ')], l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task TenClients_FivePushes_AreTenConnections_AndFiftyDeliveries_AndTheirErrorsAndClosesByCode()
    {
        await using var gateway = await TestGateway.StartAsync(() => TestGateway.DefaultSettings() with
        {
            Gateway = TestGateway.DefaultSettings().Gateway with { NodeId = Unique.Name("node\"a") }, // a quote must not break the format
        });
        var node = gateway.Node.NodeId.Replace("\"", "\\\"", StringComparison.Ordinal);
        string Series(string name, string? code = null, string? error = null) =>
            code is not null ? $"{name}{{node=\"{node}\",code=\"{code}\"}}"
            : error is not null ? $"{name}{{node=\"{node}\",error=\"{error}\"}}"
            : $"{name}{{node=\"{node}\"}}";
        var room = Unique.Name("room");
        var clients = new List<TestClient>();
        try
        {
            for (var i = 0; i < 10; i++) clients.Add(await TestClient.ConnectAsync(gateway.PublicPort, Tokens.Hs256($"u{i}", rooms: [room])));
            for (var i = 0; i < 5; i++) await gateway.Node.PublishAsync(Target.Room("default", room), "{\"n\":1}"u8.ToArray()).WaitAsync(TestClient.Timeout);
            foreach (var client in clients)
                for (var i = 0; i < 5; i++) await client.NextAsync("push");

            var metrics = await ScrapeAsync(gateway);
            Assert.Equal(10, metrics[Series("bgw_connections")]);
            Assert.Equal(50, metrics[Series("bgw_deliveries_total")]);
            Assert.Equal(0, metrics[Series("bgw_deliveries_refused_total")]);
            Assert.Equal(0, metrics[Series("bgw_connections_closed_total", "4002")]);

            // A request answered with an error, the connection staying: counted by the error's code.
            var refused = await clients[2].RequestAsync(new JsonObject { ["type"] = "leave" });
            Assert.Equal("bad_request", (string?)refused["error"]?["code"]);
            Assert.Equal(1, (await ScrapeAsync(gateway))[Series("bgw_client_requests_failed_total", error: "bad_request")]);

            await gateway.Node.CommandAsync(Target.Connection(clients[0].Conn), BrokerGateway.Core.Fanout.Ops.Disconnect).AsTask().WaitAsync(TestClient.Timeout);
            await clients[1].DisposeAsync();
            await Eventually.TrueAsync(() => gateway.Node.ConnectionCount == 8, TestClient.Timeout);
            metrics = await ScrapeAsync(gateway);
            Assert.Equal(8, metrics[Series("bgw_connections")]);
            Assert.Equal(1, metrics[Series("bgw_connections_closed_total", "4056")]);
            Assert.Equal(1, metrics[Series("bgw_connections_closed_total", "1000")]);
            // Labels are the node and a close code from a fixed set: nothing per user, room or connection.
            Assert.All(metrics.Keys, k => Assert.DoesNotContain(room, k, StringComparison.Ordinal));
            Assert.True(metrics.Keys.Count(k => k.StartsWith("bgw_connections_closed_total", StringComparison.Ordinal)) < 25);
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
        }
    }
}
