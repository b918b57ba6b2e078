using System.Diagnostics;

namespace BrokerGateway.Bench.Nats;

/// <summary>
/// Result of one publish → subscribe round: seconds until the last message arrived, how many did, and the bytes
/// the process allocated meanwhile (publisher and subscriber together).
/// </summary>
readonly record struct Delivery(double Seconds, long Received, long AllocatedBytes = 0);

static class Flow
{
    /// <summary>Every wait in the benchmark is bounded, so a stuck client fails the run instead of hanging it.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>No progress for this long means the rest is lost (a client dropped or was cut off).</summary>
    static readonly TimeSpan Stall = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Lets the subscriber catch up; 1 ms sleeps, so the waiting costs no CPU the clients need. False when the
    /// subscriber stopped receiving: the caller then stops waiting for it for the rest of the round.
    /// </summary>
    public static async Task<bool> WaitAsync(Func<bool> stillBehind, Func<long> received)
    {
        var last = received();
        var progress = Stopwatch.StartNew();
        while (stillBehind())
        {
            if (received() != last)
            {
                last = received();
                progress.Restart();
            }
            else if (progress.Elapsed > Stall) return false;
            await Task.Delay(1);
        }
        return true;
    }

    /// <summary>Waits for every message, or until delivery stalls; the time is that of the last progress seen.</summary>
    public static async Task<Delivery> CompleteAsync(Task done, Func<long> received, Stopwatch clock)
    {
        var last = received();
        var lastAt = clock.Elapsed;
        var deadline = clock.Elapsed + Limit;
        while (!done.IsCompleted && clock.Elapsed < deadline)
        {
            await Task.WhenAny(done, Task.Delay(10));
            var now = received();
            if (now != last)
            {
                last = now;
                lastAt = clock.Elapsed;
            }
            else if (clock.Elapsed - lastAt > Stall) break;
        }
        return done.IsCompleted ? new Delivery(clock.Elapsed.TotalSeconds, received()) : new Delivery(lastAt.TotalSeconds, last);
    }
}
