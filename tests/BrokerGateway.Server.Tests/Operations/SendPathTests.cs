using BrokerGateway.Server.Hosting;
using BrokerGateway.Server.Transport;

namespace BrokerGateway.Server.Tests.Operations;

/// <summary>The way pushes reach sockets, as a replica chooses it and says so at start (event 16).</summary>
public sealed class SendPathTests
{
    [Fact]
    public void ByDefault_FramedSocketsAreWrittenThroughIoUring()
    {
        var (rings, description) = GatewayHost.SendPath(TestGateway.DefaultSettings());
        using var _ = rings;
        Assert.NotNull(rings); // this machine's kernel allows it; a replica where it does not says why (below)
        Assert.Contains("io_uring submission", description, StringComparison.Ordinal);
    }

    [Fact]
    public void TurnedOff_OrWithTheBuiltinStack_EachSocketIsWrittenOnItsOwn_AndTheLogSaysWhy()
    {
        var (off, why) = GatewayHost.SendPath(TestGateway.DefaultSettings() with { IoUring = false });
        Assert.Null(off);
        Assert.Equal("one system call per socket (BGW_IO_URING (Gateway:IoUring) is off)", why);

        var (builtin, builtinWhy) = GatewayHost.SendPath(TestGateway.DefaultSettings() with { WebSocketStack = WebSocketStack.Builtin });
        Assert.Null(builtin);
        Assert.Contains("built-in", builtinWhy, StringComparison.Ordinal);
    }
}
