using System.Diagnostics;

namespace BrokerGateway.Nats.Tests.Integration;

public class RequestReplyTests(NatsServerFixture server) : IClassFixture<NatsServerFixture>
{
    static readonly TimeSpan T = TestNats.Timeout;

    [NatsFact]
    public async Task Request_GetsTheResponderReply_WithHeaders()
    {
        await using var requester = await TestNats.ConnectAsync(server.Url);
        await using var responder = await TestNats.ConnectAsync(server.Url);
        var subject = Unique.Name("rpc");
        await responder.SubscribeAsync(subject, msg =>
            msg.ReplyAsync(TestNats.Bytes("re:" + msg.Text()), new NatsHeaders().Add("Handled-By", "responder"))).AsTask().WaitAsync(T);
        await responder.FlushAsync().WaitAsync(T);
        var reply = await requester.RequestAsync(subject, TestNats.Bytes("ping")).WaitAsync(T);
        Assert.Equal("re:ping", reply.Text());
        Assert.Equal("responder", reply.Headers!["Handled-By"]);
        Assert.StartsWith("_INBOX.", reply.Subject);
    }

    [NatsFact]
    public async Task Request_WithNoResponders_FailsFastWithNoRespondersException()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        var subject = Unique.Name("nobody");
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<NatsNoRespondersException>(
            () => nats.RequestAsync(subject, TestNats.Bytes("x"), timeout: TimeSpan.FromSeconds(10)).WaitAsync(T));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "no-responders should not wait for the timeout");
        Assert.Equal(subject, error.Subject);
        Assert.Contains(subject, error.Message);
    }

    [NatsFact]
    public async Task Request_WithASilentResponder_TimesOutAsNatsTimeoutException()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        var subject = Unique.Name("silent");
        await nats.SubscribeAsync(subject, _ => default).AsTask().WaitAsync(T);
        var error = await Assert.ThrowsAsync<NatsTimeoutException>(
            () => nats.RequestAsync(subject, TestNats.Bytes("x"), timeout: TimeSpan.FromMilliseconds(200)).WaitAsync(T));
        Assert.IsType<TimeoutException>(error.InnerException);
        Assert.Contains(subject, error.Message);
    }

    [NatsFact]
    public async Task Request_Cancelled_ThrowsOperationCanceled_AndALateReplyIsIgnored()
    {
        await using var nats = await TestNats.ConnectAsync(server.Url);
        var subject = Unique.Name("cancel");
        var release = new TaskCompletionSource();
        await nats.SubscribeAsync(subject, async msg =>
        {
            await release.Task;
            await msg.ReplyAsync(TestNats.Bytes("late"));
        }).AsTask().WaitAsync(T);
        using var cts = new CancellationTokenSource();
        var request = nats.RequestAsync(subject, TestNats.Bytes("x"), timeout: TimeSpan.FromSeconds(30), cancellationToken: cts.Token);
        cts.CancelAfter(100);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request.WaitAsync(T));
        release.SetResult();
        await nats.FlushAsync().WaitAsync(T);
        // The late reply found no request; the next request works normally.
        var echo = Unique.Name("echo");
        await nats.SubscribeAsync(echo, msg => msg.ReplyAsync(msg.Data)).AsTask().WaitAsync(T);
        Assert.Equal("again", (await nats.RequestAsync(echo, TestNats.Bytes("again")).WaitAsync(T)).Text());
    }

    [NatsFact]
    public async Task AThousandConcurrentRequests_ShareOneInboxSubscription()
    {
        await using var requester = await TestNats.ConnectAsync(server.Url);
        await using var responder = await TestNats.ConnectAsync(server.Url);
        var subject = Unique.Name("many");
        await responder.SubscribeAsync(subject, msg => msg.ReplyAsync(msg.Data)).AsTask().WaitAsync(T);
        await responder.FlushAsync().WaitAsync(T);
        var replies = await Task.WhenAll(Enumerable.Range(0, 1000)
            .Select(i => requester.RequestAsync(subject, TestNats.Bytes(i.ToString())))).WaitAsync(T);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => i.ToString()), replies.Select(r => r.Text()));
        Assert.Equal(1, requester.SubscriptionCount);
    }
}
