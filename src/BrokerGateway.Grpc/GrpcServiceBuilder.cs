using BrokerGateway.Grpc.Internal.CallHandlers;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace BrokerGateway.Grpc;

/// <summary>
/// Defines a service by name and handlers, with no generated service stubs: the messages come from
/// protoc (<c>GrpcServices="None"</c>), the routing from here. Paths are <c>/{service}/{method}</c>,
/// case-sensitive (PROTOCOL-HTTP2 "Path").
/// </summary>
/// <example><code>
/// var service = new GrpcServiceBuilder("api.SocketMService")
///     .Unary&lt;NspBroadcastReq, NspBroadcastResp&gt;("NspBroadcast", NspBroadcastReq.Parser, HandleAsync)
///     .WithDescriptor(SocketmReflection.Descriptor)
///     .Build();
/// </code></example>
public sealed class GrpcServiceBuilder
{
    readonly string _serviceName;
    readonly List<GrpcMethodDefinition> _methods = [];
    readonly List<FileDescriptor> _descriptors = [];

    /// <param name="serviceName">The full name from the proto: <c>package.Service</c>.</param>
    public GrpcServiceBuilder(string serviceName)
    {
        if (string.IsNullOrWhiteSpace(serviceName) || serviceName.Contains('/'))
            throw new ArgumentException($"'{serviceName}' is not a full service name such as 'package.Service'.", nameof(serviceName));
        _serviceName = serviceName;
    }

    /// <summary>One request, one response.</summary>
    public GrpcServiceBuilder Unary<TRequest, TResponse>(string method, MessageParser<TRequest> parser,
        Func<TRequest, GrpcCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(handler);
        return Add<TRequest, TResponse>(method, GrpcMethodType.Unary,
            (m, o, l) => new UnaryServerCallHandler<TRequest, TResponse>(m, o, l, parser, handler));
    }

    /// <summary>One request, a stream of responses written through the <see cref="IGrpcStreamWriter{T}"/>.</summary>
    public GrpcServiceBuilder ServerStreaming<TRequest, TResponse>(string method, MessageParser<TRequest> parser,
        Func<TRequest, IGrpcStreamWriter<TResponse>, GrpcCallContext, Task> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(handler);
        return Add<TRequest, TResponse>(method, GrpcMethodType.ServerStreaming,
            (m, o, l) => new ServerStreamingServerCallHandler<TRequest, TResponse>(m, o, l, parser, handler));
    }

    /// <summary>A stream of requests (enumerate it once), one response.</summary>
    public GrpcServiceBuilder ClientStreaming<TRequest, TResponse>(string method, MessageParser<TRequest> parser,
        Func<IAsyncEnumerable<TRequest>, GrpcCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(handler);
        return Add<TRequest, TResponse>(method, GrpcMethodType.ClientStreaming,
            (m, o, l) => new ClientStreamingServerCallHandler<TRequest, TResponse>(m, o, l, parser, handler));
    }

    /// <summary>Both sides stream, at the same time if they like (full duplex on one HTTP/2 stream).</summary>
    public GrpcServiceBuilder Bidi<TRequest, TResponse>(string method, MessageParser<TRequest> parser,
        Func<IAsyncEnumerable<TRequest>, IGrpcStreamWriter<TResponse>, GrpcCallContext, Task> handler)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(handler);
        return Add<TRequest, TResponse>(method, GrpcMethodType.DuplexStreaming,
            (m, o, l) => new DuplexStreamingServerCallHandler<TRequest, TResponse>(m, o, l, parser, handler));
    }

    /// <summary>
    /// The proto file that declares this service, served by reflection (with its dependencies). When given,
    /// <see cref="Build"/> checks every method against it, so a typo fails at start-up instead of
    /// answering UNIMPLEMENTED at run time.
    /// </summary>
    public GrpcServiceBuilder WithDescriptor(FileDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        _descriptors.Add(descriptor);
        return this;
    }

    public GrpcServiceDefinition Build()
    {
        if (_descriptors.Count > 0) CheckAgainstDescriptors();
        return new GrpcServiceDefinition(_serviceName, _methods.ToArray(), _descriptors.ToArray());
    }

    GrpcServiceBuilder Add<TRequest, TResponse>(string method, GrpcMethodType type,
        Func<GrpcMethodDefinition, GrpcServerOptions, Microsoft.Extensions.Logging.ILogger, ServerCallHandlerBase> create)
    {
        if (string.IsNullOrWhiteSpace(method) || method.Contains('/'))
            throw new ArgumentException($"'{method}' is not a method name.", nameof(method));
        if (_methods.Any(m => m.Name == method))
            throw new ArgumentException($"{_serviceName}/{method} is defined twice.", nameof(method));
        _methods.Add(new GrpcMethodDefinition(_serviceName, method, type, typeof(TRequest), typeof(TResponse), create));
        return this;
    }

    void CheckAgainstDescriptors()
    {
        var service = _descriptors.SelectMany(d => d.Services).FirstOrDefault(s => s.FullName == _serviceName)
            ?? throw new InvalidOperationException($"None of the descriptors given for {_serviceName} declares that service.");
        foreach (var method in _methods)
        {
            var declared = service.FindMethodByName(method.Name)
                ?? throw new InvalidOperationException($"{_serviceName} declares no method {method.Name}.");
            var declaredType = (declared.IsClientStreaming, declared.IsServerStreaming) switch
            {
                (false, false) => GrpcMethodType.Unary,
                (true, false) => GrpcMethodType.ClientStreaming,
                (false, true) => GrpcMethodType.ServerStreaming,
                _ => GrpcMethodType.DuplexStreaming,
            };
            if (declaredType != method.Type)
                throw new InvalidOperationException($"{method.Path} is {declaredType} in the proto but was defined as {method.Type}.");
            if (declared.InputType.ClrType is { } input && input != method.RequestType)
                throw new InvalidOperationException($"{method.Path} takes {declared.InputType.FullName}, not {method.RequestType.Name}.");
            if (declared.OutputType.ClrType is { } output && output != method.ResponseType)
                throw new InvalidOperationException($"{method.Path} returns {declared.OutputType.FullName}, not {method.ResponseType.Name}.");
        }
    }
}
