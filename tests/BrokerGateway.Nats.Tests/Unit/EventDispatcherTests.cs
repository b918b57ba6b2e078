using BrokerGateway.Nats.Internal;

namespace BrokerGateway.Nats.Tests.Unit;

public class EventDispatcherTests
{
    [Fact]
    public async Task BehindASlowHandler_AtMostItsCapacityWaits_AndTheRestIsDropped()
    {
        var dispatcher = new EventDispatcher();
        var started = new TaskCompletionSource();
        var release = new ManualResetEventSlim();
        var ran = 0;
        dispatcher.Post(() => { started.SetResult(); release.Wait(); });
        await started.Task.WaitAsync(TestNats.Timeout);

        for (var i = 0; i < EventDispatcher.Capacity + 100; i++) dispatcher.Post(() => Interlocked.Increment(ref ran));
        Assert.Equal(100, dispatcher.Dropped);

        release.Set();
        await Eventually.TrueAsync(() => Volatile.Read(ref ran) == EventDispatcher.Capacity, TestNats.Timeout);
    }
}
