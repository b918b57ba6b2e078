using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace BrokerGateway.Bench.Fanout;

/// <summary>
/// Makes a running .NET process collect its whole heap, from outside, so its <c>dotnet_gc_heap_bytes</c>
/// afterwards is live memory rather than live memory plus garbage not yet collected. It uses the runtime's
/// diagnostics socket as dotnet-gcdump does: an EventPipe session that enables the runtime provider's
/// GCHeapCollect keyword makes the runtime run a full blocking GC; the session is then stopped.
/// Wire format: the Diagnostic IPC protocol (dotnet/diagnostics, documentation/design-docs/ipc-protocol.md).
/// </summary>
public static class InducedGc
{
    const ulong GcHeapCollectKeyword = 0x800000;
    const byte EventPipeCommandSet = 0x02, StopTracing = 0x01, CollectTracing2 = 0x03;
    static readonly byte[] Magic = "DOTNET_IPC_V1\0"u8.ToArray();

    /// <summary>Runs a full GC in process <paramref name="pid"/>; false (with the reason) when it could not.</summary>
    public static async Task<(bool Ok, string? Error)> CollectAsync(int pid, CancellationToken ct)
    {
        var path = SocketPath(pid);
        if (path is null) return (false, "no diagnostics socket (DOTNET_EnableDiagnostics=0?)");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var session = await ConnectAsync(path, timeout.Token);
            await session.SendAsync(Message(EventPipeCommandSet, CollectTracing2, StartPayload()), timeout.Token);
            var (ok, payload) = await ReadResponseAsync(session, timeout.Token);
            if (!ok || payload.Length < 8) return (false, "the runtime refused the EventPipe session");
            var sessionId = BinaryPrimitives.ReadUInt64LittleEndian(payload);
            // The session streams events on this socket until it stops: drain them, or the runtime's writer waits.
            var draining = DrainAsync(session, timeout.Token);

            using (var stop = await ConnectAsync(path, timeout.Token))
            {
                var id = new byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(id, sessionId);
                await stop.SendAsync(Message(EventPipeCommandSet, StopTracing, id), timeout.Token);
                await ReadResponseAsync(stop, timeout.Token);
            }
            await draining;
            return (true, null);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return (false, e.Message);
        }
    }

    static string? SocketPath(int pid)
    {
        var dir = Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } t ? t : "/tmp";
        return Directory.EnumerateFiles(dir, $"dotnet-diagnostic-{pid}-*-socket").FirstOrDefault();
    }

    static async Task<Socket> ConnectAsync(string path, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
        return socket;
    }

    /// <summary>CollectTracing2: buffer MB, format (1 = nettrace), rundown (no), one provider.</summary>
    static byte[] StartPayload()
    {
        var body = new MemoryStream();
        var w = new BinaryWriter(body);
        w.Write(1u);            // circularBufferMB
        w.Write(1u);            // format: nettrace
        w.Write((byte)0);       // requestRundown: no
        w.Write(1u);            // one provider
        w.Write(GcHeapCollectKeyword);
        w.Write(4u);            // level: informational
        WriteString(w, "Microsoft-Windows-DotNETRuntime");
        w.Write(0u);            // no filter data
        w.Flush();
        return body.ToArray();
    }

    static void WriteString(BinaryWriter w, string s)
    {
        w.Write((uint)(s.Length + 1));
        w.Write(Encoding.Unicode.GetBytes(s + "\0"));
    }

    /// <summary>Header: magic (14), total size (2), command set (1), command id (1), reserved (2); then the payload.</summary>
    static byte[] Message(byte commandSet, byte commandId, byte[] payload)
    {
        var message = new byte[20 + payload.Length];
        Magic.CopyTo(message, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(14), (ushort)message.Length);
        message[16] = commandSet;
        message[17] = commandId;
        payload.CopyTo(message, 20);
        return message;
    }

    /// <summary>Reads one response; OK is command set 0xFF, command id 0x00.</summary>
    static async Task<(bool Ok, byte[] Payload)> ReadResponseAsync(Socket socket, CancellationToken ct)
    {
        var header = new byte[20];
        await ReadExactlyAsync(socket, header, ct);
        var size = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(14));
        var payload = new byte[Math.Max(0, size - 20)];
        await ReadExactlyAsync(socket, payload, ct);
        return (header[16] == 0xFF && header[17] == 0x00, payload);
    }

    static async Task ReadExactlyAsync(Socket socket, byte[] buffer, CancellationToken ct)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, ct);
            if (n == 0) throw new IOException("the diagnostics socket closed early");
            read += n;
        }
    }

    static async Task DrainAsync(Socket socket, CancellationToken ct)
    {
        var scratch = new byte[16 * 1024];
        try
        {
            while (await socket.ReceiveAsync(scratch, SocketFlags.None, ct) > 0) { }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
        }
    }
}
