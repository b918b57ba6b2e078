namespace BrokerGateway.Grpc.Internal;

/// <summary>
/// The deadline of one call (PROTOCOL-HTTP2 "Timeout"; grpc-dotnet ServerCallDeadlineManager): a timer
/// from the injected <see cref="TimeProvider"/> that, when it fires, cancels the call's token and then
/// runs the callback that sends DEADLINE_EXCEEDED and resets the stream. The response lock lives here
/// because only calls with a deadline have a second writer (the timer) racing the handler.
/// </summary>
internal sealed class ServerCallDeadlineManager : IAsyncDisposable
{
    /// <summary>System.Threading.Timer's largest due time; a longer timeout is treated as "never" here.</summary>
    static readonly TimeSpan MaxTimerDueTime = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    readonly CancellationTokenSource _cts;
    readonly Func<ServerCallDeadlineManager, Task> _onExceeded;
    readonly ITimer? _timer;
    Task? _exceededTask;
    volatile bool _isExceeded;

    public ServerCallDeadlineManager(TimeProvider time, TimeSpan timeout, CancellationToken requestAborted,
        Func<ServerCallDeadlineManager, Task> onExceeded)
    {
        Timeout = timeout;
        Deadline = time.GetUtcNow() + timeout;
        _onExceeded = onExceeded;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        if (timeout <= MaxTimerDueTime)
            _timer = time.CreateTimer(static state => ((ServerCallDeadlineManager)state!).OnTimer(), this,
                timeout <= TimeSpan.Zero ? TimeSpan.Zero : timeout, System.Threading.Timeout.InfiniteTimeSpan);
    }

    public TimeSpan Timeout { get; }
    public DateTimeOffset Deadline { get; }
    public bool IsExceeded => _isExceeded;

    /// <summary>Cancelled when the caller goes away or the deadline passes.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>Held by whoever writes to the response: the handler, the completion, or the timer.</summary>
    public SemaphoreSlim ResponseLock { get; } = new(1, 1);

    void OnTimer()
    {
        _isExceeded = true;
        // Cancel first: a write blocked on flow control holds the lock, and must give it up.
        try { _cts.Cancel(); } catch (ObjectDisposedException) { return; }
        // The callback gets this instance: a 1n timeout can fire before the constructor's caller has stored it.
        Volatile.Write(ref _exceededTask, _onExceeded(this));
    }

    /// <summary>Stops the timer and waits for a status write it may have started, so nothing touches the
    /// HttpContext after the request delegate returns.</summary>
    public async ValueTask DisposeAsync()
    {
        // Timer.DisposeAsync waits for a callback already running (its synchronous part, which starts
        // the status write), so the task read below is the final one.
        if (_timer is not null) await _timer.DisposeAsync();
        if (Volatile.Read(ref _exceededTask) is { } task) await task;
        _cts.Dispose();
    }
}
