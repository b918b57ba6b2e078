using System.Collections.Concurrent;
using System.Text;
using BrokerGateway.Core.Broker;

namespace BrokerGateway.Core.Tests.Broker;

/// <summary>What every <see cref="IBroker"/> promises (its remarks), run against each implementation.</summary>
public abstract class BrokerContract
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    protected abstract Task<IBroker> CreateAsync();

    static string Subject(string stem = "s") => $"contract.{Unique.Name(stem)}";

    [Fact]
    public async Task Publish_ReachesSubscriber_WithDataAndHeaders()
    {
        await using var broker = await CreateAsync();
        var subject = Subject();
        var got = new TaskCompletionSource<BrokerMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var sub = await broker.SubscribeAsync(subject, m => { got.TrySetResult(m); return ValueTask.CompletedTask; });
        await broker.FlushAsync();
        await broker.PublishAsync(subject, Encoding.UTF8.GetBytes("hello"), new MessageHeaders().Add("Bgw-Event", "e1").Add("X", "a").Add("X", "b"));
        var message = await got.Task.WaitAsync(Timeout);
        Assert.Equal("hello", Encoding.UTF8.GetString(message.Data.Span));
        Assert.Equal("e1", message.Headers?["Bgw-Event"]);
        Assert.Equal(["a", "b"], message.Headers!.GetAll("X"));
    }

    [Fact]
    public async Task Subscription_ReceivesInPublishOrder()
    {
        await using var broker = await CreateAsync();
        var subject = Subject();
        var seen = new ConcurrentQueue<int>();
        await using var sub = await broker.SubscribeAsync(subject, m => { seen.Enqueue(BitConverter.ToInt32(m.Data.Span)); return ValueTask.CompletedTask; });
        await broker.FlushAsync();
        for (var i = 0; i < 2000; i++) await broker.PublishAsync(subject, BitConverter.GetBytes(i));
        await Eventually.TrueAsync(() => seen.Count == 2000, Timeout);
        Assert.Equal(Enumerable.Range(0, 2000), seen);
    }

    [Fact]
    public async Task QueueGroup_DeliversEachMessageToExactlyOneMember()
    {
        await using var broker = await CreateAsync();
        var subject = Subject();
        var a = new ConcurrentBag<int>();
        var b = new ConcurrentBag<int>();
        await using var subA = await broker.SubscribeAsync(subject, m => { a.Add(BitConverter.ToInt32(m.Data.Span)); return ValueTask.CompletedTask; }, "workers");
        await using var subB = await broker.SubscribeAsync(subject, m => { b.Add(BitConverter.ToInt32(m.Data.Span)); return ValueTask.CompletedTask; }, "workers");
        await broker.FlushAsync();
        for (var i = 0; i < 1000; i++) await broker.PublishAsync(subject, BitConverter.GetBytes(i));
        await Eventually.TrueAsync(() => a.Count + b.Count >= 1000, Timeout);
        await broker.FlushAsync();
        Assert.Equal(Enumerable.Range(0, 1000), a.Concat(b).Order());
    }

    [Fact]
    public async Task Wildcards_MatchTokens()
    {
        await using var broker = await CreateAsync();
        var root = Subject();
        var star = new ConcurrentBag<string>();
        var tail = new ConcurrentBag<string>();
        await using var s1 = await broker.SubscribeAsync($"{root}.*", m => { star.Add(m.Subject); return ValueTask.CompletedTask; });
        await using var s2 = await broker.SubscribeAsync($"{root}.>", m => { tail.Add(m.Subject); return ValueTask.CompletedTask; });
        await broker.FlushAsync();
        await broker.PublishAsync($"{root}.a", new byte[1]);
        await broker.PublishAsync($"{root}.a.b", new byte[1]);
        await Eventually.TrueAsync(() => tail.Count == 2, Timeout);
        await broker.FlushAsync();
        Assert.Equal([$"{root}.a"], star);
    }

    [Fact]
    public async Task Unsubscribe_StopsDelivery()
    {
        await using var broker = await CreateAsync();
        var subject = Subject();
        var count = 0;
        var sub = await broker.SubscribeAsync(subject, _ => { Interlocked.Increment(ref count); return ValueTask.CompletedTask; });
        var marker = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var probe = await broker.SubscribeAsync(subject + ".end", _ => { marker.TrySetResult(); return ValueTask.CompletedTask; });
        await sub.DisposeAsync();
        await broker.FlushAsync();
        await broker.PublishAsync(subject, new byte[1]);
        await broker.PublishAsync(subject + ".end", new byte[1]);
        await marker.Task.WaitAsync(Timeout);
        Assert.Equal(0, count);
    }

    [Fact]
    public async Task Request_GetsTheReply()
    {
        await using var broker = await CreateAsync();
        var subject = Subject();
        await using var responder = await broker.SubscribeAsync(subject, m => broker.PublishAsync(m.ReplyTo!, Encoding.UTF8.GetBytes("pong:" + Encoding.UTF8.GetString(m.Data.Span))));
        await broker.FlushAsync();
        var reply = await broker.RequestAsync(subject, Encoding.UTF8.GetBytes("ping"), null, Timeout);
        Assert.Equal("pong:ping", Encoding.UTF8.GetString(reply.Data.Span));
    }

    [Fact]
    public async Task Request_WithoutResponders_ThrowsNoResponders()
    {
        await using var broker = await CreateAsync();
        await Assert.ThrowsAsync<NoRespondersException>(() => broker.RequestAsync(Subject(), new byte[1], null, Timeout));
    }

    [Fact]
    public async Task Request_WithSilentResponder_TimesOut()
    {
        await using var broker = await CreateAsync();
        var subject = Subject();
        await using var silent = await broker.SubscribeAsync(subject, _ => ValueTask.CompletedTask);
        await broker.FlushAsync();
        await Assert.ThrowsAsync<RequestTimeoutException>(() => broker.RequestAsync(subject, new byte[1], null, TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Publish_ToWildcardSubject_IsRefused()
    {
        await using var broker = await CreateAsync();
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await broker.PublishAsync("a.*", new byte[1]));
    }
}

