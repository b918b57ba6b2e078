namespace BrokerGateway.Server.Tests;

/// <summary>The per-user connection limit across three replicas on one Redis.</summary>
public sealed class ClusterLimitTests(ClusterServers servers) : IClassFixture<ClusterServers>
{
    [ClusterFact]
    public async Task ConnectsForOneUser_RacingOnEveryReplica_LetInExactlyTheLimit()
    {
        await using var cluster = await TestCluster.StartAsync(servers, adjust: s => s with { Gateway = s.Gateway with { MaxConnectionsPerUser = 2 } });
        var user = Unique.Name("racer");
        for (var round = 0; round < 5; round++)
        {
            var clients = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
                TestClient.ConnectAsync(cluster[i % 3].PublicPort, Tokens.Hs256(user), expectWelcome: false)));
            var admitted = await Task.WhenAll(clients.Select(WelcomedAsync));

            Assert.Equal(2, admitted.Count(a => a));
            Assert.Equal(2, (await cluster[0].Node.Presence.GetUserConnectionsAsync("default", user)).Count);

            foreach (var client in clients) await client.DisposeAsync();
            await Eventually.TrueAsync(async () => (await cluster[0].Node.Presence.GetUserConnectionsAsync("default", user)).Count == 0,
                TestClient.Timeout, "the user's connections to leave presence");
        }
    }

    /// <summary>True once welcomed; false when refused, which must be with 4059.</summary>
    static async Task<bool> WelcomedAsync(TestClient client)
    {
        try
        {
            await client.NextAsync("welcome");
            return true;
        }
        catch (InvalidOperationException)
        {
            Assert.Equal(4059, (await client.ClosedAsync()).Code);
            return false;
        }
    }
}
