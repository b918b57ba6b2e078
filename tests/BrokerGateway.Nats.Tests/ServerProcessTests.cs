using System.Net.Sockets;
using System.Text;

namespace BrokerGateway.Nats.Tests;

public class ServerProcessTests
{
    [NatsFact]
    public async Task NatsServer_StartedByTheFixture_GreetsWithInfo()
    {
        await using var server = await ServerProcess.StartNatsAsync();
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port).WaitAsync(TimeSpan.FromSeconds(5));
        var buffer = new byte[4];
        await client.GetStream().ReadExactlyAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("INFO", Encoding.ASCII.GetString(buffer));
    }
}
