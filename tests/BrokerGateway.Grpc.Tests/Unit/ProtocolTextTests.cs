using BrokerGateway.Grpc.Internal;

namespace BrokerGateway.Grpc.Tests.Unit;

public class ProtocolTextTests
{
    [Theory]
    [InlineData("plain text stays", "plain text stays")]
    [InlineData("✓", "%E2%9C%93")]
    [InlineData("100%", "100%25")]
    [InlineData("line\nbreak", "line%0Abreak")]
    public void Status_messages_are_percent_encoded(string text, string wire) =>
        Assert.Equal(wire, GrpcMessageText.Encode(text));

    [Theory]
    [InlineData("✓ done 100% ünïcödé\t")]
    [InlineData("")]
    [InlineData("%%%")]
    public void Status_messages_round_trip(string text) =>
        Assert.Equal(text, GrpcMessageText.Decode(GrpcMessageText.Encode(text)));

    [Theory]
    [InlineData("%zz", "%zz")]
    [InlineData("ends with %", "ends with %")]
    [InlineData("%4", "%4")]
    [InlineData("%41%zzB", "A%zzB")]
    public void A_malformed_escape_is_kept_as_it_is(string wire, string text) =>
        Assert.Equal(text, GrpcMessageText.Decode(wire));

    [Fact]
    public void Invalid_utf8_in_a_status_message_does_not_throw() =>
        Assert.Equal("\uFFFD", GrpcMessageText.Decode("%FF"));

    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("100m", 1_000_000L)]
    [InlineData("250u", 2_500L)]
    [InlineData("1n", 1L)]          // rounded up, never to zero
    [InlineData("100n", 1L)]
    [InlineData("0m", 0L)]
    [InlineData("99999999H", 99_999_999L * 36_000_000_000L)]
    public void Every_grpc_timeout_unit_parses(string value, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(value, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("123456789S")]  // nine digits
    [InlineData("10s")]
    [InlineData("-1S")]
    [InlineData("1 S")]
    [InlineData("1.5S")]
    [InlineData("１S")]
    public void A_malformed_grpc_timeout_is_rejected(string value) =>
        Assert.False(GrpcTimeout.TryParse(value, out _));

    [Theory]
    [InlineData(100, "100m")]
    [InlineData(1.2, "2m")]
    [InlineData(0, "1n")]
    [InlineData(-5, "1n")]
    [InlineData(200_000_000, "200000S")]
    public void Timeouts_are_formatted_as_grpc_dotnet_does(double milliseconds, string expected) =>
        Assert.Equal(expected, GrpcTimeout.Format(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void Binary_metadata_accepts_padded_unpadded_and_comma_separated_values()
    {
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, GrpcMetadata.DecodeBinary("AAEC/w"));
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, GrpcMetadata.DecodeBinary("AAEC/w=="));
        Assert.Equal(new byte[] { 1, 2 }, GrpcMetadata.DecodeBinary("AQ, Ag=="));
        Assert.Null(GrpcMetadata.DecodeBinary("not base64!"));
        Assert.Equal("AAEC/w", GrpcMetadata.EncodeBinary("x-bin", [0, 1, 2, 255]));
    }

    [Theory]
    [InlineData("Upper")]
    [InlineData("grpc-custom")]
    [InlineData("spa ce")]
    [InlineData("")]
    public void Invalid_metadata_names_are_refused(string name) =>
        Assert.Throws<ArgumentException>(() => GrpcMetadata.Validate(name, "v"));

    [Fact]
    public void Non_ascii_metadata_values_are_refused() =>
        Assert.Throws<ArgumentException>(() => GrpcMetadata.Validate("x-name", "é"));

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("APPLICATION/GRPC", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("application/grpc+json", false)]
    [InlineData("application/grpcx", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void Only_grpc_proto_content_types_are_served(string? contentType, bool accepted) =>
        Assert.Equal(accepted, GrpcProtocol.IsGrpcContentType(contentType));
}
