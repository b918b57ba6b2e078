// Unary gRPC calls through BrokerGateway.Grpc beside a plain Kestrel HTTP/2 endpoint that does the
// least a gRPC server must (read the body, answer the same bytes with the same headers and trailers).
// The plain endpoint is the limit; the goal is >= 80% of its calls/s. Both run in one Kestrel on one
// h2c port and are called by the same client, so only the server layer differs.
//   dotnet run -c Release -- --results bench/results/grpc.md [--seconds 1.5] [--rounds 6]
using System.Diagnostics;
using BrokerGateway.Bench.Grpc;
using BrokerGateway.Bench.Grpc.Messages;
using BrokerGateway.Grpc;
using BrokerGateway.Grpc.Client;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

var resultsPath = Arg("--results") ?? "bench/results/grpc.md";
var seconds = double.Parse(Arg("--seconds") ?? "1.5", System.Globalization.CultureInfo.InvariantCulture);
var rounds = int.Parse(Arg("--rounds") ?? "6", System.Globalization.CultureInfo.InvariantCulture);
int[] concurrencies = [1, 64];
// Real clients send a deadline on every call (health-checking.md even requires one), and a deadline
// costs the server a timer per call; the plain endpoint ignores it. Measured both ways.
(string Name, TimeSpan? Timeout)[] modes = [("10 s deadline on every call", TimeSpan.FromSeconds(10)), ("no deadline", null)];
// Hard stop well inside the 3-minute budget, whatever the arguments.
var budget = Stopwatch.StartNew();
var loadBefore = Report.LoadAverage();
var maxRunTime = TimeSpan.FromSeconds(140);

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => GrpcServer.ConfigureKestrel(k, 0));
await using var app = builder.Build();
var service = new GrpcServiceBuilder("bench.v1.Bench")
    .Unary<Payload, Payload>("Echo", Payload.Parser, (request, _) => Task.FromResult(request))
    .WithDescriptor(BenchReflection.Descriptor)
    .Build();
app.MapGrpcServices(new GrpcServerOptions(), service);
app.MapPost("/plain.Bench/Echo", PlainEndpoint.HandleAsync);
await app.StartAsync();
var port = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First()).Port;

using var client = new GrpcClient(new Uri($"http://127.0.0.1:{port}"));
var request = new Payload { Id = 42, Target = "room:lobby", Data = ByteString.CopyFrom(new byte[64]) };
var targets = new[] { ("BrokerGateway.Grpc", "/bench.v1.Bench/Echo"), ("plain Kestrel", "/plain.Bench/Echo") };

Console.WriteLine($"warming up on 127.0.0.1:{port} ...");
// Long enough for tiered JIT to settle on both paths (first measured rounds were otherwise slower).
for (var i = 0; i < 2; i++)
    foreach (var (_, path) in targets)
        foreach (var concurrency in concurrencies)
            await Bench.RunAsync(client, path, request, concurrency, TimeSpan.FromSeconds(1), modes[0].Timeout);

var samples = new List<Bench.Sample>();
foreach (var mode in modes)
    for (var round = 0; round < rounds && budget.Elapsed < maxRunTime; round++)
    {
        foreach (var concurrency in concurrencies)
        {
            // Alternate which side goes first, so drift (thermal, other load) does not favour one.
            var order = round % 2 == 0 ? targets : targets.Reverse().ToArray();
            foreach (var (name, path) in order)
            {
                var measured = await Bench.RunAsync(client, path, request, concurrency, TimeSpan.FromSeconds(seconds), mode.Timeout);
                var sample = measured with { Mode = mode.Name, Target = name, Round = round + 1 };
                samples.Add(sample);
                Console.WriteLine($"{mode.Name,-28} round {round + 1} c={concurrency,-3} {name,-20} {sample.CallsPerSecond,10:N0} calls/s  p50 {sample.P50Us,7:N0} us  p99 {sample.P99Us,7:N0} us  errors {sample.Errors}");
            }
        }
    }
await app.StopAsync();

var report = Report.Markdown(samples, modes.Select(m => m.Name).ToArray(), concurrencies, seconds, budget.Elapsed, request.CalculateSize(), loadBefore, Report.LoadAverage());
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(resultsPath))!);
await File.WriteAllTextAsync(resultsPath, report);
Console.WriteLine(report);
return samples.Any(s => s.Errors > 0) ? 1 : 0;

string? Arg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
