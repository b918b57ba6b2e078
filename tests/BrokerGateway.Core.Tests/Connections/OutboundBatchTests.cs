using System.Text;
using BrokerGateway.Core.Connections;

namespace BrokerGateway.Core.Tests.Connections;

/// <summary>
/// A batch scope claims idle sockets' queues instead of waking their send loops, hands them to the
/// transport's sender when it ends, and gives every queue back, whatever the sender does.
/// </summary>
public sealed class OutboundBatchTests
{
    static OutboundFrame Frame(string text) => new(Encoding.UTF8.GetBytes(text));

    /// <summary>A transport's sender that writes everything it is given into a list per queue.</summary>
    sealed class RecordingSender : IBatchSender
    {
        public List<int> CallSizes { get; } = [];
        public Dictionary<OutboundQueue, List<string>> Written { get; } = [];
        public bool LeaveClaims { get; init; }
        public bool Throw { get; init; }

        public void SendClaimed(ReadOnlySpan<OutboundQueue> claimed)
        {
            CallSizes.Add(claimed.Length);
            if (Throw) throw new InvalidOperationException("the transport failed");
            foreach (var queue in claimed)
            {
                var frames = new OutboundFrame[64];
                var count = queue.TryRead(frames);
                if (!Written.TryGetValue(queue, out var list)) Written[queue] = list = [];
                list.AddRange(frames.Take(count).Select(f => Encoding.UTF8.GetString(f.Data.Span)));
                if (!LeaveClaims) queue.EndClaim();
            }
        }
    }

    static (OutboundQueue Queue, ValueTask<bool> Wait) ParkedQueue(IBatchSender sender)
    {
        var queue = new OutboundQueue(16);
        queue.AttachBatchSender(sender, new object());
        var wait = queue.WaitToReadAsync();
        Assert.False(wait.IsCompleted);
        return (queue, wait);
    }

    [Fact]
    public void FramesForIdleSockets_GoToTheSenderOnce_WhenTheScopeEnds_WithoutWakingTheirLoops()
    {
        var sender = new RecordingSender();
        var (a, waitA) = ParkedQueue(sender);
        var (b, waitB) = ParkedQueue(sender);
        using (OutboundBatch.Begin())
        {
            Assert.True(a.TryWrite(Frame("a1")));
            Assert.True(b.TryWrite(Frame("b1")));
            Assert.True(a.TryWrite(Frame("a2"))); // already claimed: queued, not claimed twice
            Assert.Empty(sender.CallSizes);
        }
        Assert.Equal([2], sender.CallSizes);
        Assert.Equal(["a1", "a2"], sender.Written[a]);
        Assert.Equal(["b1"], sender.Written[b]);
        Assert.False(waitA.IsCompleted); // the loops still wait: nothing was left for them
        Assert.False(waitB.IsCompleted);

        // Handed back: outside a scope the next frame wakes the loop as before.
        Assert.True(a.TryWrite(Frame("a3")));
        Assert.True(waitA.IsCompleted);
    }

    [Fact]
    public void OutsideAScope_OrWithoutASender_AFrameWakesTheLoop()
    {
        var sender = new RecordingSender();
        var (withSender, wait) = ParkedQueue(sender);
        Assert.True(withSender.TryWrite(Frame("x")));
        Assert.True(wait.IsCompleted);

        var plain = new OutboundQueue(16);
        var plainWait = plain.WaitToReadAsync();
        using (OutboundBatch.Begin()) Assert.True(plain.TryWrite(Frame("y")));
        Assert.True(plainWait.IsCompleted);
        Assert.Empty(sender.CallSizes);
    }

    [Fact]
    public async Task FramesLeftOrACompletion_DuringAClaim_WakeTheLoopWhenTheClaimEnds()
    {
        var sender = new RecordingSender { LeaveClaims = true };
        var (queue, wait) = ParkedQueue(sender);
        using (OutboundBatch.Begin()) queue.TryWrite(Frame("1"));
        Assert.Equal(["1"], sender.Written[queue]);

        // Still claimed (the sender is finishing a write): more frames and the close wait for it.
        Assert.True(queue.TryWrite(Frame("2")));
        queue.Complete();
        Assert.False(wait.IsCompleted);

        queue.EndClaim();
        Assert.True(await wait); // "2" is there for the loop
        Assert.Equal(1, queue.TryRead(new OutboundFrame[4]));
        Assert.False(await queue.WaitToReadAsync()); // then the completion
        queue.EndClaim(); // a second end is a no-op
    }

    [Fact]
    public async Task ASenderThatThrows_StillGivesEveryQueueBack()
    {
        var sender = new RecordingSender { Throw = true };
        var (queue, wait) = ParkedQueue(sender);
        Assert.Throws<InvalidOperationException>(() =>
        {
            using (OutboundBatch.Begin()) queue.TryWrite(Frame("kept"));
        });
        Assert.True(await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(10))); // the loop sends what the sender could not
        Assert.Equal(1, queue.TryRead(new OutboundFrame[4]));

        // And the thread has no scope left open: the next frame wakes the loop directly.
        var (other, otherWait) = ParkedQueue(sender);
        other.TryWrite(Frame("next"));
        Assert.True(otherWait.IsCompleted);
    }

    [Fact]
    public void AScopeInsideAnother_SendsNothing_TheOuterOneSends()
    {
        var sender = new RecordingSender();
        var (queue, _) = ParkedQueue(sender);
        using (OutboundBatch.Begin())
        {
            using (OutboundBatch.Begin()) queue.TryWrite(Frame("inner"));
            Assert.Empty(sender.CallSizes);
        }
        Assert.Equal([1], sender.CallSizes);
    }

    [Fact]
    public void ABigFanOut_IsSentInBoundedBatches()
    {
        var sender = new RecordingSender();
        var queues = Enumerable.Range(0, OutboundBatch.MaxClaimed * 2 + 3).Select(_ => ParkedQueue(sender).Queue).ToArray();
        using (OutboundBatch.Begin())
        {
            foreach (var q in queues) q.TryWrite(Frame("p"));
            Assert.Equal([OutboundBatch.MaxClaimed, OutboundBatch.MaxClaimed], sender.CallSizes); // sent as they filled
        }
        Assert.Equal([OutboundBatch.MaxClaimed, OutboundBatch.MaxClaimed, 3], sender.CallSizes);
        Assert.All(queues, q => Assert.Equal(["p"], sender.Written[q]));
    }
}
