using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BrokerGateway.Server.Tests.Operations;

/// <summary>
/// scripts/run.sh takes the ports it wants when free, else others; with several wanted ports taken it must
/// not hand the same replacement to two servers (the cluster then failed to bind).
/// </summary>
public sealed class RunScriptPortTests
{
    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BrokerGateway.sln"))) return dir.FullName;
        throw new InvalidOperationException("no BrokerGateway.sln above " + AppContext.BaseDirectory);
    }

    [Fact]
    public async Task TakenPorts_AreReplacedByDifferentFreeOnes()
    {
        using var first = new TcpListener(IPAddress.Loopback, 0);
        using var second = new TcpListener(IPAddress.Loopback, 0);
        first.Start();
        second.Start();
        var taken = new[] { ((IPEndPoint)first.LocalEndpoint).Port, ((IPEndPoint)second.LocalEndpoint).Port };

        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, WorkingDirectory = RepositoryRoot() };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"source scripts/lib/ports.sh; pick_port a {taken[0]}; pick_port b {taken[1]}; echo $a $b");
        using var bash = Process.Start(info)!;
        var output = await bash.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await bash.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        var chosen = output.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        Assert.Equal(2, chosen.Length);
        Assert.NotEqual(chosen[0], chosen[1]);
        Assert.DoesNotContain(chosen[0], taken);
        Assert.DoesNotContain(chosen[1], taken);
    }
}
