using BrokerGateway.Grpc.Tests.Echo;
using Grpc.Health.V1;

namespace BrokerGateway.Grpc.Tests.Unit;

public class ServiceBuilderTests
{
    static Task<EchoResponse> Reply(EchoRequest request, GrpcCallContext context) => Task.FromResult(new EchoResponse());

    [Fact]
    public void Methods_are_reached_at_slash_service_slash_method()
    {
        var service = new GrpcServiceBuilder("test.v1.Echo").Unary<EchoRequest, EchoResponse>("Unary", EchoRequest.Parser, Reply).Build();
        Assert.Equal("/test.v1.Echo/Unary", Assert.Single(service.Methods).Path);
    }

    [Fact]
    public void A_method_defined_twice_is_refused() =>
        Assert.Throws<ArgumentException>(() => new GrpcServiceBuilder("test.v1.Echo")
            .Unary<EchoRequest, EchoResponse>("Unary", EchoRequest.Parser, Reply)
            .Unary<EchoRequest, EchoResponse>("Unary", EchoRequest.Parser, Reply));

    [Fact]
    public void A_method_missing_from_the_proto_fails_at_build() =>
        Assert.Contains("Typo", Assert.Throws<InvalidOperationException>(() => new GrpcServiceBuilder("test.v1.Echo")
            .Unary<EchoRequest, EchoResponse>("Typo", EchoRequest.Parser, Reply)
            .WithDescriptor(EchoReflection.Descriptor).Build()).Message);

    [Fact]
    public void A_method_of_the_wrong_shape_fails_at_build() =>
        Assert.Throws<InvalidOperationException>(() => new GrpcServiceBuilder("test.v1.Echo")
            .Unary<EchoRequest, EchoResponse>("ServerStream", EchoRequest.Parser, Reply)
            .WithDescriptor(EchoReflection.Descriptor).Build());

    [Fact]
    public void A_method_with_the_wrong_message_types_fails_at_build() =>
        Assert.Throws<InvalidOperationException>(() => new GrpcServiceBuilder("test.v1.Echo")
            .Unary<HealthCheckRequest, EchoResponse>("Unary", HealthCheckRequest.Parser, (_, _) => Task.FromResult(new EchoResponse()))
            .WithDescriptor(EchoReflection.Descriptor).Build());

    [Fact]
    public void A_descriptor_without_the_service_fails_at_build() =>
        Assert.Throws<InvalidOperationException>(() => new GrpcServiceBuilder("test.v1.Nope")
            .WithDescriptor(EchoReflection.Descriptor).Build());

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    public void A_bad_service_name_is_refused(string name) =>
        Assert.Throws<ArgumentException>(() => new GrpcServiceBuilder(name));
}
