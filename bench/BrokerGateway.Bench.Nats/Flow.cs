namespace BrokerGateway.Bench.Nats;

static class Flow
{
    /// <summary>Every wait in the benchmark is bounded, so a stuck client fails the run instead of hanging it.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>Lets the subscriber catch up; 1 ms sleeps, so the waiting costs no CPU the clients need.</summary>
    public static async Task WaitAsync(Func<bool> stillBehind)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (stillBehind())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the subscriber stopped receiving");
            await Task.Delay(1);
        }
    }

    public static async Task CompleteAsync(Task done, Func<long> received, int count)
    {
        try
        {
            await done.WaitAsync(Limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"subscriber received {received()} of {count} messages");
        }
    }
}
