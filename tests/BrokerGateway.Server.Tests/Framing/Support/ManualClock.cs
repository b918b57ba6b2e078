namespace BrokerGateway.Server.Tests.Framing.Support;

/// <summary>A clock that moves only when told, with timers that never fire: the test ticks by hand.</summary>
public sealed class ManualClock : TimeProvider
{
    long _ms;

    public override long TimestampFrequency => 1000;
    public override long GetTimestamp() => Interlocked.Read(ref _ms);
    public void Advance(int ms) => Interlocked.Add(ref _ms, ms);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new Idle();

    sealed class Idle : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;
        public void Dispose() { }
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
