using BrokerGateway.Core.Fanout;

namespace BrokerGateway.Core.Tests.Fanout;

/// <summary>The de-duplication of <c>Bgw-Msg-Id</c>: repeats are caught, for ids of any length, within the capacity.</summary>
public sealed class RecentIdsTests
{
    [Fact]
    public void ARepeat_IsCaught_AndDistinctIdsAreNot_WhateverTheirLength()
    {
        var ids = new RecentIds(capacity: 100);
        var longId = new string('x', 200_000);
        foreach (var id in new[] { "a", "b", "é-ünïcode", longId, longId[..^1] + "y", "" })
        {
            Assert.True(ids.TryAdd(id));
            Assert.False(ids.TryAdd(id));
        }
    }

    [Fact]
    public void TheOldestIds_AreForgotten_PastTheCapacity()
    {
        var ids = new RecentIds(capacity: 3);
        foreach (var id in new[] { "1", "2", "3", "4" }) Assert.True(ids.TryAdd(id));
        Assert.True(ids.TryAdd("1"));  // forgotten: it was the oldest of four
        Assert.False(ids.TryAdd("4")); // still remembered
    }
}
