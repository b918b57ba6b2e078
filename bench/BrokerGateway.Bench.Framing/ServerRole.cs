using System.Diagnostics;
using System.Runtime.InteropServices;
using BrokerGateway.Core.Addressing;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Server.Hosting;
using BrokerGateway.Server.Transport;

namespace BrokerGateway.Bench.Framing;

/// <summary>
/// The measured process: one embedded replica (in-memory broker and presence) on the given stack, driven
/// by commands on stdin so the driver can read its CPU time and memory between phases.
/// </summary>
public static class ServerRole
{
    /// <summary>Replies are marked: anything else on stdout (a log line) is not one.</summary>
    public const string Marker = "@@ ";

    static void Reply(string text) => Console.WriteLine(Marker + text);

    static int UnusedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task RunAsync(WebSocketStack stack, int port, int pingMs)
    {
        var settings = new ServerSettings
        {
            PublicPort = port,
            // Unused here, but a replica routes requests by port, so each needs a real one of its own.
            GrpcPort = UnusedPort(),
            InternalPort = UnusedPort(),
            BindAddress = "127.0.0.1",
            WebSocketStack = stack,
            Auth = new() { Secret = "bench-secret-bench-secret-bench-secret-0" },
            Limits = new() { PingInterval = TimeSpan.FromMilliseconds(pingMs) },
            Gateway = new GatewayOptions
            {
                SendQueueLimit = 8192,
                MaxConnectionsPerUser = 100_000,
                DefaultPolicy = new NamespacePolicy { AllowGuests = true },
            },
        };
        var app = await GatewayHost.CreateAsync(settings, configure: b => b.Logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync();
        var node = app.Services.GetRequiredService<GatewayNode>();
        var process = Process.GetCurrentProcess();
        Reply("ready");

        while (Console.ReadLine() is { } line)
        {
            var parts = line.Split(' ');
            switch (parts[0])
            {
                case "cpu":
                    process.Refresh();
                    Reply($"cpu {process.TotalProcessorTime.TotalMilliseconds:F1}");
                    break;
                case "sys": // send, sendto, sendmsg, write, writev calls so far (-1 without the counting library)
                    Reply("sys " + string.Join(' ', Enumerable.Range(0, 5).Select(SendCount.Get)));
                    break;
                case "mem":
                    for (var i = 0; i < 3; i++) GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                    GC.WaitForPendingFinalizers();
                    process.Refresh();
                    Reply($"mem {GC.GetTotalMemory(true)} {process.WorkingSet64}");
                    break;
                case "publish": // publish <topic> <count> <size>: count pushes back to back
                    var payload = new byte[int.Parse(parts[3])];
                    Array.Fill(payload, (byte)'x');
                    var target = Target.Topic(settings.Gateway.DefaultNamespace, parts[1]);
                    for (var i = int.Parse(parts[2]); i > 0; i--) await node.PublishAsync(target, payload);
                    Reply("done");
                    break;
                case "quit":
                    await app.StopAsync();
                    return;
            }
        }
    }
}

/// <summary>Reads sendcount.c's counters when the server runs with it preloaded (BGW_SENDCOUNT_LIB).</summary>
static unsafe class SendCount
{
    static readonly delegate* unmanaged<int, long> Getter = Load();

    static delegate* unmanaged<int, long> Load()
    {
        var path = Environment.GetEnvironmentVariable("BGW_SENDCOUNT_LIB");
        if (path is null || !NativeLibrary.TryLoad(path, out var lib) || !NativeLibrary.TryGetExport(lib, "sendcount_get", out var fn)) return null;
        return (delegate* unmanaged<int, long>)fn;
    }

    public static long Get(int which) => Getter == null ? -1 : Getter(which);
}
