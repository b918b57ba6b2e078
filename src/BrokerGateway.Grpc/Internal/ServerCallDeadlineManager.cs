namespace BrokerGateway.Grpc.Internal;

/// <summary>
/// The deadline of one call (PROTOCOL-HTTP2 "Timeout"; grpc-dotnet ServerCallDeadlineManager): a timer
/// from the injected <see cref="TimeProvider"/> that, when it fires, cancels the call's token and then
/// runs the callback that sends DEADLINE_EXCEEDED and resets the stream. The response lock lives here
/// because only calls with a deadline have a second writer (the timer) racing the handler.
/// </summary>
internal sealed class ServerCallDeadlineManager : IDisposable
{
    /// <summary>System.Threading.Timer's largest due time; a longer timeout is treated as "never" here.</summary>
    static readonly TimeSpan MaxTimerDueTime = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    readonly CancellationTokenSource _cts;
    readonly Func<ServerCallDeadlineManager, Task> _onExceeded;
    readonly Action _beforeCancel;
    readonly ITimer? _timer;
    const int Running = 0, Fired = 1, Disposed = 2;
    int _state;
    volatile bool _isExceeded;

    /// <param name="beforeCancel">Runs when the deadline passes, before the call's token is cancelled.</param>
    public ServerCallDeadlineManager(TimeProvider time, TimeSpan timeout, CancellationToken requestAborted,
        Func<ServerCallDeadlineManager, Task> onExceeded, Action beforeCancel)
    {
        _beforeCancel = beforeCancel;
        Timeout = timeout;
        // 99999999H is valid and about 11,000 years: past the last date there is. Such a call has no deadline.
        var now = time.GetUtcNow();
        Deadline = timeout <= MaxTimerDueTime ? now + timeout : DateTimeOffset.MaxValue;
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
        // Whoever moves the state first wins: a timer that fires after the call ended does nothing.
        if (Interlocked.CompareExchange(ref _state, Fired, Running) != Running) return;
        _isExceeded = true;
        _beforeCancel();
        // Cancel first: a write blocked on flow control holds the lock, and must give it up.
        _cts.Cancel();
        // The callback gets this instance: a 1n timeout can fire before the constructor's caller has stored it.
        _ = _onExceeded(this);
    }

    /// <summary>
    /// Stops the timer. Called after the call's status was written under <see cref="ResponseLock"/>, so a
    /// status write the timer started has finished (it held the lock) or will find the call complete
    /// without touching the HttpContext. Synchronous, so a call with a deadline keeps the fast path.
    /// </summary>
    public void Dispose()
    {
        _timer?.Dispose();
        // The token source is disposed only when the timer never fired; a firing timer may still be
        // cancelling it, and an undisposed linked source is collected with the request.
        if (Interlocked.CompareExchange(ref _state, Disposed, Running) == Running) _cts.Dispose();
    }
}
