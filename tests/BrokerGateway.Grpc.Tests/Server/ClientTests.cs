using BrokerGateway.Grpc.Client;
using BrokerGateway.Grpc.Tests.Echo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace BrokerGateway.Grpc.Tests.Server;

public class ClientTests
{
    [Fact]
    public async Task A_refused_connection_is_unavailable()
    {
        using var client = new GrpcClient(new Uri($"http://127.0.0.1:{FreePort.Next()}"));
        var ex = await Assert.ThrowsAsync<GrpcException>(() => client.UnaryAsync("/test.v1.Echo/Unary", new EchoRequest(), EchoResponse.Parser).WaitAsync(Limits.Await));
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }

    [Fact]
    public void A_method_that_is_not_a_full_name_is_refused()
    {
        using var client = new GrpcClient(new Uri("http://127.0.0.1:1"));
        Assert.Throws<ArgumentException>(() => client.ServerStreamingAsync("Unary", new EchoRequest(), EchoResponse.Parser));
        Assert.Throws<ArgumentException>(() => client.ServerStreamingAsync("/a/b/c", new EchoRequest(), EchoResponse.Parser));
    }

    [Fact]
    public async Task A_response_over_the_receive_limit_is_resource_exhausted()
    {
        await using var server = await TestServer.StartAsync();
        using var client = server.CreateClient(options: new GrpcClientOptions { MaxReceiveMessageSize = 100 });
        var ex = await Assert.ThrowsAsync<GrpcException>(() => client.UnaryAsync("/test.v1.Echo/Unary",
            new EchoRequest { Text = new string('x', 200) }, EchoResponse.Parser).WaitAsync(Limits.Await));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task A_request_over_the_servers_receive_limit_is_resource_exhausted()
    {
        await using var server = await TestServer.StartAsync(new GrpcServerOptions { MaxReceiveMessageSize = 1000 });
        using var client = server.CreateClient();
        var ex = await Assert.ThrowsAsync<GrpcException>(() => client.UnaryAsync("/test.v1.Echo/Unary",
            new EchoRequest { Text = new string('x', 2000) }, EchoResponse.Parser).WaitAsync(Limits.Await));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    /// <summary>A server that is not gRPC: what the client derives from plain HTTP answers.</summary>
    [Theory]
    [InlineData("/503", StatusCode.Unavailable)]
    [InlineData("/404", StatusCode.Unimplemented)]
    [InlineData("/401", StatusCode.Unauthenticated)]
    [InlineData("/html", StatusCode.Internal)]
    [InlineData("/no-status", StatusCode.Cancelled)]
    [InlineData("/bad-status", StatusCode.Unknown)]
    [InlineData("/rst-refused", StatusCode.Unavailable)]
    public async Task The_status_is_derived_from_http_when_no_grpc_status_was_sent(string path, StatusCode expected)
    {
        var builder = WebApplication.CreateSlimBuilder();
        var port = FreePort.Next();
        builder.WebHost.ConfigureKestrel(k => GrpcServer.ConfigureKestrel(k, port));
        await using var app = builder.Build();
        app.MapPost("/x/503", (HttpContext c) => { c.Response.StatusCode = 503; return Task.CompletedTask; });
        app.MapPost("/x/404", (HttpContext c) => { c.Response.StatusCode = 404; return Task.CompletedTask; });
        app.MapPost("/x/401", (HttpContext c) => { c.Response.StatusCode = 401; return Task.CompletedTask; });
        app.MapPost("/x/html", (HttpContext c) => { c.Response.ContentType = "text/html"; return c.Response.WriteAsync("<html/>"); });
        app.MapPost("/x/no-status", async (HttpContext c) => { c.Response.ContentType = "application/grpc"; await c.Response.Body.WriteAsync(RawGrpc.Frame(new EchoResponse())); });
        app.MapPost("/x/bad-status", async (HttpContext c) =>
        {
            c.Response.ContentType = "application/grpc";
            await c.Response.Body.WriteAsync(RawGrpc.Frame(new EchoResponse()));
            c.Response.AppendTrailer("grpc-status", "ok");
        });
        app.MapPost("/x/rst-refused", async (HttpContext c) =>
        {
            c.Response.ContentType = "application/grpc";
            await c.Response.Body.FlushAsync();
            c.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResetFeature>()!.Reset(7);
        });
        await app.StartAsync().WaitAsync(Limits.Await);
        using var client = new GrpcClient(new Uri($"http://127.0.0.1:{port}"));
        var ex = await Assert.ThrowsAsync<GrpcException>(() => client.UnaryAsync("/x" + path, new EchoRequest(), EchoResponse.Parser).WaitAsync(Limits.Await));
        Assert.Equal(expected, ex.StatusCode);
        await app.StopAsync().WaitAsync(Limits.Await);
    }
}
