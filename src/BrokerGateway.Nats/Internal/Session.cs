namespace BrokerGateway.Nats.Internal;

/// <summary>
/// One established connection to one server: its transport, its reader, and the three loops on it (read, write,
/// ping). It ends once, for one reason; the connection then detaches it and looks for the next.
/// </summary>
sealed class Session(ServerAddress server, INatsTransport transport, ProtocolReader reader, NatsServerInfo info)
{
    static long _lastId;
    readonly CancellationTokenSource _stop = new();
    readonly TaskCompletionSource<Exception> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Id { get; } = Interlocked.Increment(ref _lastId);
    public ServerAddress Server { get; } = server;
    public INatsTransport Transport { get; } = transport;
    public ProtocolReader Reader { get; } = reader;
    public NatsServerInfo Info { get; set; } = info;
    public CancellationToken Token => _stop.Token;
    public Task<Exception> Ended => _ended.Task;
    /// <summary>Keep-alive PINGs sent since the last PONG (digest §8).</summary>
    public int PingsOut;
    public Task ReaderTask { get; set; } = Task.CompletedTask;
    public Task WriterTask { get; set; } = Task.CompletedTask;
    public Task PingTask { get; set; } = Task.CompletedTask;
    /// <summary>Read loop only: subscriptions to start once the current receive buffer is parsed.</summary>
    public List<SubscriptionDelivery> ToStart { get; } = [];

    /// <summary>Ends the session (first reason wins): stops its loops and closes the transport.</summary>
    public void End(Exception reason)
    {
        if (!_ended.TrySetResult(reason)) return;
        try { _stop.Cancel(); } catch (AggregateException) { /* a cancellation callback failed; the session ends anyway */ }
        _ = Transport.DisposeAsync().AsTask();
    }

    /// <summary>Waits for the loops to finish; they end on their own once the transport is closed.</summary>
    public async Task StopAsync()
    {
        await Transport.DisposeAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(ReaderTask, WriterTask, PingTask).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception) { /* the loops report through End; a stuck transport is abandoned after the timeout */ }
    }
}
