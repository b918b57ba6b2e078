using System.Net;
using BrokerGateway.Grpc.Client;
using BrokerGateway.Grpc.Internal;

namespace BrokerGateway.Grpc.Tests.Unit;

public class AuthAndMappingTests
{
    readonly BearerTokenCheck _check = new("s3cret-token");

    [Fact]
    public void The_right_bearer_token_passes() => Assert.Equal("s3cret-token", _check.Check("Bearer s3cret-token"));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer ")]
    [InlineData("Bearer s3cret")]
    [InlineData("Bearer s3cret-token-and-more")]
    [InlineData("Basic s3cret-token")]
    [InlineData("s3cret-token")]
    public void A_missing_or_wrong_bearer_token_fails(string? header) => Assert.Null(_check.Check(header));

    [Theory]
    [InlineData(0, StatusCode.Internal)]
    [InlineData(2, StatusCode.Internal)]
    [InlineData(7, StatusCode.Unavailable)]
    [InlineData(8, StatusCode.Cancelled)]
    [InlineData(11, StatusCode.ResourceExhausted)]
    [InlineData(12, StatusCode.PermissionDenied)]
    public void Stream_reset_codes_map_to_statuses(long code, StatusCode status) =>
        Assert.Equal(status, ClientCall.FromResetCode(code));

    [Theory]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(404, StatusCode.Unimplemented)]
    [InlineData(429, StatusCode.Unavailable)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(500, StatusCode.Unknown)]
    public void Http_statuses_without_grpc_status_map_to_statuses(int http, StatusCode status) =>
        Assert.Equal(status, ClientCall.FromHttpStatus((HttpStatusCode)http));

    [Fact]
    public void Options_refuse_an_empty_bearer_token() =>
        Assert.Throws<ArgumentException>(() => new GrpcServerOptions { BearerToken = "" }.Validate());
}
