using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace BrokerGateway.Bench.Grpc;

/// <summary>
/// The limit: the same wire exchange as a gRPC unary call with no gRPC layer at all. Reads the whole
/// request body, answers the same bytes (a valid frame, since the echo returns the request message)
/// with content-type application/grpc and the grpc-status trailer.
/// </summary>
internal static class PlainEndpoint
{
    public static async Task HandleAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted);
            if (result.IsCompleted)
            {
                context.Response.ContentType = "application/grpc";
                foreach (var segment in result.Buffer) context.Response.BodyWriter.Write(segment.Span);
                reader.AdvanceTo(result.Buffer.End);
                context.Response.AppendTrailer("grpc-status", "0");
                return;
            }
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
