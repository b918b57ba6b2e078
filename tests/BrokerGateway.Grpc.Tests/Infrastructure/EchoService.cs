using BrokerGateway.Grpc.Tests.Echo;

namespace BrokerGateway.Grpc.Tests.Infrastructure;

/// <summary>The test.v1.Echo handlers, with signals tests wait on.</summary>
public sealed class EchoService
{
    public const string Name = "test.v1.Echo";
    public const string SecretInException = "password=hunter2 at /srv/secret/config.json";

    /// <summary>Set when a Slow call starts; its context.</summary>
    public TaskCompletionSource<GrpcCallContext> SlowStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set when a Slow call's token was cancelled.</summary>
    public TaskCompletionSource SlowCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A Slow call with text "ignore-token" waits on this instead of its token.</summary>
    public TaskCompletionSource ReleaseSlow { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>ServerStream waits on this after its first message when the request text is "hold".</summary>
    public TaskCompletionSource ReleaseStream { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>What the last Unary call saw of its context (read inside the call: a context is not valid after it).</summary>
    public sealed record Seen(string Method, string MethodName, string ServiceName, string Peer, DateTimeOffset? Deadline,
        string? BearerToken, string? UserName, bool CanBeCancelled);

    public Seen? LastUnary { get; private set; }

    public GrpcServiceDefinition Build() => new GrpcServiceBuilder(Name)
        .Unary<EchoRequest, EchoResponse>("Unary", EchoRequest.Parser, (request, context) =>
        {
            LastUnary = new Seen(context.Method, context.MethodName, context.ServiceName, context.Peer, context.Deadline,
                context.BearerToken, context.User.Identity?.Name, context.CancellationToken.CanBeCanceled);
            if (context.GetRequestHeader("x-echo-header") is { } echo) context.SetResponseHeader("x-echoed", echo);
            if (context.GetRequestBinaryHeader("x-data-bin") is { } data) context.SetResponseHeader("x-data-bin", data);
            return Task.FromResult(new EchoResponse { Text = request.Text });
        })
        .ServerStreaming<EchoRequest, EchoResponse>("ServerStream", EchoRequest.Parser, async (request, writer, context) =>
        {
            for (var i = 0; i < request.Count; i++)
            {
                await writer.WriteAsync(new EchoResponse { Text = request.Text, Index = i });
                if (i == 0 && request.Text == "hold") await ReleaseStream.Task.WaitAsync(context.CancellationToken);
            }
        })
        .ClientStreaming<EchoRequest, EchoResponse>("ClientStream", EchoRequest.Parser, async (requests, context) =>
        {
            var count = 0;
            long bytes = 0;
            await foreach (var request in requests)
            {
                count++;
                bytes += request.Text.Length;
            }
            return new EchoResponse { Text = bytes.ToString(System.Globalization.CultureInfo.InvariantCulture), Index = count };
        })
        .Bidi<EchoRequest, EchoResponse>("Bidi", EchoRequest.Parser, async (requests, writer, context) =>
        {
            var i = 0;
            await foreach (var request in requests)
                await writer.WriteAsync(new EchoResponse { Text = request.Text, Index = i++ });
        })
        .Unary<EchoRequest, EchoResponse>("Fail", EchoRequest.Parser, (request, context) =>
        {
            if (request.Status == 0) throw new InvalidOperationException(SecretInException);
            context.AddResponseTrailer("x-reason", "asked-for-it");
            context.AddResponseTrailer("x-blob-bin", [0, 1, 2, 255]);
            throw new GrpcException((StatusCode)request.Status, request.Text);
        })
        .Unary<EchoRequest, EchoResponse>("Slow", EchoRequest.Parser, async (request, context) =>
        {
            SlowStarted.TrySetResult(context);
            if (request.Text == "ignore-token")
            {
                await ReleaseSlow.Task;
                return new EchoResponse { Text = "late" };
            }
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                SlowCancelled.TrySetResult();
                throw;
            }
            return new EchoResponse();
        })
        .WithDescriptor(EchoReflection.Descriptor)
        .Build();
}
