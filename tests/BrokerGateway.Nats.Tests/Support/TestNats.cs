using System.Collections.Concurrent;

namespace BrokerGateway.Nats.Tests.Support;

/// <summary>Connections with test-friendly timings, and the one timeout every await uses.</summary>
static class TestNats
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static NatsOptions Options(params string[] urls) => new()
    {
        Servers = urls,
        ConnectTimeout = TimeSpan.FromSeconds(2),
        ReconnectWaitMin = TimeSpan.FromMilliseconds(50),
        ReconnectWaitMax = TimeSpan.FromMilliseconds(250),
        DrainTimeout = TimeSpan.FromSeconds(2),
    };

    public static async Task<NatsConnection> ConnectAsync(string url, Func<NatsOptions, NatsOptions>? configure = null)
    {
        var connection = Create(url, configure);
        await connection.ConnectAsync().WaitAsync(Timeout);
        return connection;
    }

    /// <summary>Not yet connected: for tests that must listen to events from the very start.</summary>
    public static NatsConnection Create(string url, Func<NatsOptions, NatsOptions>? configure = null)
    {
        var options = Options(url);
        return new NatsConnection(configure is null ? options : configure(options));
    }

    public static ReadOnlyMemory<byte> Bytes(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    public static string Text(this NatsMsg msg) => System.Text.Encoding.UTF8.GetString(msg.Data.Span);
}

/// <summary>Collects what a subscription delivers.</summary>
sealed class MessageSink
{
    readonly ConcurrentQueue<NatsMsg> _messages = new();

    public NatsMsgHandler Handler => msg =>
    {
        _messages.Enqueue(msg);
        return ValueTask.CompletedTask;
    };

    public int Count => _messages.Count;
    public IReadOnlyList<NatsMsg> Messages => [.. _messages];
    public IReadOnlyList<string> Texts => [.. _messages.Select(m => m.Text())];

    public Task WaitForAsync(int count, TimeSpan? timeout = null) =>
        Eventually.TrueAsync(() => Count >= count, timeout ?? TestNats.Timeout, $"expected {count} messages, have {Count}");
}

/// <summary>Records connection events in the order they were raised.</summary>
sealed class EventLog
{
    readonly ConcurrentQueue<(string Name, NatsConnectionEvent Event)> _events = new();

    public EventLog(NatsConnection connection)
    {
        connection.Disconnected += (_, e) => _events.Enqueue(("Disconnected", e));
        connection.Reconnected += (_, e) => _events.Enqueue(("Reconnected", e));
        connection.Closed += (_, e) => _events.Enqueue(("Closed", e));
    }

    public IReadOnlyList<string> Names => [.. _events.Select(e => e.Name)];
    public IReadOnlyList<NatsConnectionEvent> Of(string name) => [.. _events.Where(e => e.Name == name).Select(e => e.Event)];
    public int CountOf(string name) => _events.Count(e => e.Name == name);
}
