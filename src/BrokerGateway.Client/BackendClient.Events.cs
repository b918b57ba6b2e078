using System.Text;
using BrokerGateway.Contracts.Events;
using BrokerGateway.Core.Gateway;
using BrokerGateway.Nats;
using Google.Protobuf;

namespace BrokerGateway.Client;

public sealed partial class BackendClient
{
    static readonly JsonParser EventJson = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>
    /// Consumes client events of a namespace in a queue group: every event goes to exactly one consumer
    /// of the group. With no <paramref name="kinds"/>, all kinds (<c>open</c>, <c>close</c>, <c>message</c>,
    /// <c>join</c>, <c>leave</c>, <c>subscribe</c>, <c>unsubscribe</c>) come through one subscription, one
    /// at a time, each connection's in <c>seq</c> order. Naming kinds subscribes each apart: each kind is
    /// still in order, but kinds are not ordered with one another, and the handler may run for several
    /// kinds at once.
    /// </summary>
    /// <remarks>A handler that throws loses only that event; the consumer goes on.</remarks>
    public async Task<IAsyncDisposable> ConsumeEventsAsync(string nsp, string queueGroup, Func<ClientEvent, ValueTask> handler,
        IReadOnlyList<string>? kinds = null, CancellationToken ct = default)
    {
        async ValueTask OnMessage(NatsMsg msg)
        {
            ClientEvent evt;
            try
            {
                evt = msg.Headers?["Content-Type"] == "application/json"
                    ? EventJson.Parse<ClientEvent>(Encoding.UTF8.GetString(msg.Data.Span))
                    : ClientEvent.Parser.ParseFrom(msg.Data.Span);
            }
            catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException)
            {
                return; // not an event of ours
            }
            try { await handler(evt); }
            catch (Exception) { /* the handler's failure is its own */ }
        }

        var subjects = kinds is { Count: > 0 }
            ? kinds.Select(k => Subjects.Events(nsp, k)).ToArray()
            : [Subjects.AllEvents(nsp)];
        var subscriptions = new List<NatsSubscription>();
        foreach (var subject in subjects)
            subscriptions.Add(await _nats.SubscribeAsync(subject, OnMessage, queueGroup, ct));
        return new Subscriptions(subscriptions);
    }

    /// <summary>
    /// Answers client RPCs of <paramref name="method"/> in a namespace; workers of one queue group share them.
    /// Up to <paramref name="maxConcurrent"/> requests are handled at once (a handler waiting on I/O does not
    /// hold up the next client); past that, requests wait for a free slot.
    /// </summary>
    public async Task<IAsyncDisposable> HandleRpcAsync(string nsp, string method, Func<RpcRequest, ValueTask<ReadOnlyMemory<byte>>> handler,
        string queueGroup = "rpc", CancellationToken ct = default, int maxConcurrent = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrent, 1);
        var slots = new SemaphoreSlim(maxConcurrent, maxConcurrent);

        async Task AnswerAsync(NatsMsg msg)
        {
            try
            {
                var h = msg.Headers;
                var request = new RpcRequest(method, h?[GatewayNode.UplinkHeaders.Conn] ?? "", h?[GatewayNode.UplinkHeaders.Uid],
                    h?[GatewayNode.UplinkHeaders.Nsp] ?? nsp, h?[GatewayNode.UplinkHeaders.Node] ?? "", msg.Data);
                try
                {
                    await msg.ReplyAsync(await handler(request));
                }
                catch (Exception e)
                {
                    var (code, text) = e switch
                    {
                        RpcException r => (r.Code, r.Message),
                        NatsMaxPayloadException => ("internal", "the worker's reply is larger than the NATS server's max_payload"),
                        _ => ("internal", "the worker failed"),
                    };
                    await msg.ReplyAsync(default, new NatsHeaders().Add(RpcErrorHeaders.Code, code).Add(RpcErrorHeaders.Message, text));
                }
            }
            catch (Exception)
            {
                // Not even the error could be sent (the link is down): the client's own timeout answers it.
            }
            finally
            {
                slots.Release();
            }
        }

        var subscription = await _nats.SubscribeAsync(Subjects.Rpc(nsp, method), async msg =>
        {
            if (msg.ReplyTo is null) return;
            await slots.WaitAsync();
            _ = AnswerAsync(msg);
        }, queueGroup, ct);
        return new Subscriptions([subscription]);
    }

    sealed class Subscriptions(IReadOnlyList<NatsSubscription> subscriptions) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var s in subscriptions) await s.DisposeAsync();
        }
    }
}
