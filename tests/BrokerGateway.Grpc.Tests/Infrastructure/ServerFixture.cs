namespace BrokerGateway.Grpc.Tests.Infrastructure;

/// <summary>One default test server shared by a test class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

public static class Limits
{
    /// <summary>The most any single await in a test may take.</summary>
    public static readonly TimeSpan Await = TimeSpan.FromSeconds(10);
}
