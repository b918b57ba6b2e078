using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace BrokerGateway.Grpc.Tests.Infrastructure;

/// <summary>
/// A fake client: plain HttpClient HTTP/2 requests with bytes the test crafts, so hostile input reaches
/// the server exactly as written, and the answer is seen as it came (headers vs trailers).
/// </summary>
public sealed class RawGrpc : IDisposable
{
    readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
    readonly int _port;

    public RawGrpc(int port) => _port = port;

    public sealed record Answer(int HttpStatus, Version Version, string? HeaderStatus, string? TrailerStatus,
        string? Message, string? ContentType, byte[] Body, HttpResponseHeaders Headers, HttpResponseHeaders Trailers)
    {
        /// <summary>The status wherever it was: Trailers-Only headers, or trailers.</summary>
        public string? Status => HeaderStatus ?? TrailerStatus;
    }

    public static byte[] Frame(IMessage message) => Frame(message.ToByteArray());

    public static byte[] Frame(byte[] payload, byte flag = 0)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    public Task<Answer> SendAsync(string path, byte[] body, string contentType = "application/grpc",
        IEnumerable<(string, string)>? headers = null, HttpMethod? method = null) =>
        SendAsync(path, new ByteArrayContent(body), contentType, headers, method);

    public async Task<Answer> SendAsync(string path, HttpContent content, string contentType = "application/grpc",
        IEnumerable<(string, string)>? headers = null, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Post, $"http://127.0.0.1:{_port}{path}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (method != HttpMethod.Get)
        {
            request.Content = content;
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers ?? []) request.Headers.TryAddWithoutValidation(name, value);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var body = await response.Content.ReadAsByteArrayAsync(cts.Token);
        string? First(HttpResponseHeaders h, string name) => h.TryGetValues(name, out var v) ? v.First() : null;
        var headerStatus = First(response.Headers, "grpc-status");
        var trailerStatus = First(response.TrailingHeaders, "grpc-status");
        var message = First(response.Headers, "grpc-message") ?? First(response.TrailingHeaders, "grpc-message");
        return new Answer((int)response.StatusCode, response.Version, headerStatus, trailerStatus, message,
            response.Content.Headers.ContentType?.ToString(), body, response.Headers, response.TrailingHeaders);
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>Request content that sends the given bytes, then never ends (until the request is aborted).</summary>
public sealed class HangingContent(byte[] first) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(first, cancellationToken);
        await stream.FlushAsync(cancellationToken);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
