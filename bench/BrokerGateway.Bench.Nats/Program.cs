using System.Diagnostics;
using System.Globalization;
using BrokerGateway.Bench.Nats;

// Our NATS client beside NATS.Client 0.8.0 on one nats-server, in one run, alternating which goes first.
//   --results FILE   Markdown results (default bench/results/nats.md)
//   --rounds N       rounds per measurement (default 5)
//   --messages N     messages per throughput round (default 500000)
//   --requests N     requests per latency round (default 2000)
var args_ = new Args(args);
var resultsPath = args_.Get("--results", "bench/results/nats.md");
var rounds = int.Parse(args_.Get("--rounds", "5"), CultureInfo.InvariantCulture);
var messages = int.Parse(args_.Get("--messages", "500000"), CultureInfo.InvariantCulture);
var requests = int.Parse(args_.Get("--requests", "2000"), CultureInfo.InvariantCulture);

var total = Stopwatch.StartNew();
using var server = await BenchServer.StartAsync();
IBenchClient[] clients = [new OurClient(), new TheirClient()];
var results = new Results();
int[] payloadSizes = [16, 1024];

// Untimed warm-up, so that no client is measured while its code is still being compiled.
foreach (var client in clients)
{
    var warm = new byte[16];
    // Long enough for tiered compilation to reach its optimised code for the hot paths.
    for (var i = 0; i < 2; i++)
    {
        await client.PublishOnlyAsync(server.Url, "bench.warm.pub", warm, 200_000);
        await client.PublishSubscribeAsync(server.Url, "bench.warm.ps", warm, 200_000, 200_000);
        await client.RequestReplyAsync(server.Url, "bench.warm.rr", warm, 300);
    }
}

foreach (var size in payloadSizes)
{
    var payload = new byte[size];
    Random.Shared.NextBytes(payload);
    // Keep about 16 MiB in flight: far below the server's 64 MiB slow-consumer limit.
    var window = Math.Max(1000, 16 * 1024 * 1024 / (size + 64));
    for (var round = 0; round < rounds; round++)
    {
        var order = round % 2 == 0 ? clients : [.. clients.Reverse()];
        foreach (var client in order)
        {
            var subject = $"bench.{round}.{client.GetHashCode():x}";
            var publishSeconds = await client.PublishOnlyAsync(server.Url, subject + ".pub", payload, messages);
            results.Add("publish only", "msgs/s", size, client.Name, messages / publishSeconds);
            var delivery = await client.PublishSubscribeAsync(server.Url, subject + ".ps", payload, messages, window);
            var pubSubRate = delivery.Received / delivery.Seconds;
            results.Add("publish → subscribe", "msgs/s", size, client.Name, pubSubRate);
            results.AddLost(size, client.Name, messages - delivery.Received);
            results.Add("publish → subscribe allocated per message", "B", size, client.Name, (double)delivery.AllocatedBytes / Math.Max(1, delivery.Received));
            var latencies = await client.RequestReplyAsync(server.Url, subject + ".rr", payload, requests);
            Array.Sort(latencies);
            results.Add("request/reply p50", "µs", size, client.Name, latencies[latencies.Length / 2]);
            results.Add("request/reply p99", "µs", size, client.Name, latencies[(int)(latencies.Length * 0.99)]);
            Console.Write($"{size,5} B round {round + 1}/{rounds} {client.Name,-20} pub {messages / publishSeconds,12:N0}/s  pub→sub {pubSubRate,12:N0}/s{(delivery.Received < messages ? $" ({messages - delivery.Received} lost)" : "")}  req p50 {latencies[latencies.Length / 2],8:N1} µs  ({total.Elapsed.TotalSeconds:N0} s)\n");
        }
        var ceiling = await RawCeiling.PublishSubscribeAsync(server.Url, $"bench.{round}.raw", payload, messages, window);
        results.Add("publish → subscribe", "msgs/s", size, RawCeiling.Name, ceiling.Received / ceiling.Seconds);
        Console.WriteLine($"{size,5} B round {round + 1}/{rounds} {"ceiling",-20}                          pub→sub {ceiling.Received / ceiling.Seconds,12:N0}/s");
    }
}

var markdown = results.ToMarkdown(clients[0].Name, clients[1].Name, RawCeiling.Name, new RunInfo(
    DateTime.UtcNow, Environment.ProcessorCount, RunInfo.CpuModel(), BenchServer.Version(), Environment.Version.ToString(),
    rounds, messages, requests, total.Elapsed));
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(resultsPath))!);
await File.WriteAllTextAsync(resultsPath, markdown);
Console.WriteLine(markdown);

sealed class Args(string[] args)
{
    public string Get(string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
