namespace BrokerGateway.Bench.Fanout;

/// <summary>
/// The runtime's switch that runs socket continuations on the socket engine's (epoll) threads instead of
/// queueing them to the thread pool. Read by System.Net.Sockets once, when the first socket is made.
/// </summary>
public static class InlineCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
}
