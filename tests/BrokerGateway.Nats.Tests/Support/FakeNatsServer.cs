using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BrokerGateway.Nats.Tests.Support;

/// <summary>
/// A scripted NATS server on a loopback TcpListener, for what a real server never does: garbage, truncated
/// lines, wrong byte counts, silence. Each accepted connection runs the script with its index (0, 1, ...).
/// </summary>
sealed class FakeNatsServer : IAsyncDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly Func<FakeClient, Task> _script;
    readonly CancellationTokenSource _stop = new();
    readonly List<Task> _clients = [];
    readonly Task _accepting;
    int _accepted;

    public FakeNatsServer(Func<FakeClient, Task> script)
    {
        _script = script;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public string Url => $"nats://127.0.0.1:{Port}";
    public int Accepted => Volatile.Read(ref _accepted);

    async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var tcp = await _listener.AcceptTcpClientAsync(_stop.Token);
                var client = new FakeClient(tcp, Interlocked.Increment(ref _accepted) - 1, _stop.Token);
                lock (_clients) _clients.Add(RunAsync(client));
            }
        }
        catch (Exception) { /* stopped */ }
    }

    async Task RunAsync(FakeClient client)
    {
        try { await _script(client); }
        catch (Exception) { /* the client went away, or the script ended it */ }
        finally { client.Dispose(); }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        Task[] clients;
        lock (_clients) clients = [.. _clients];
        await Task.WhenAll(clients).WaitAsync(TestNats.Timeout);
    }

    /// <summary>One accepted connection, with the steps scripts are made of.</summary>
    public sealed class FakeClient(TcpClient tcp, int index, CancellationToken stop) : IDisposable
    {
        readonly NetworkStream _stream = tcp.GetStream();
        readonly List<byte> _pending = [];

        public int Index { get; } = index;
        public CancellationToken Stopping { get; } = stop;

        public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

        public async Task SendAsync(byte[] bytes)
        {
            await _stream.WriteAsync(bytes, Stopping);
            await _stream.FlushAsync(Stopping);
        }

        public async Task<string> ReadLineAsync()
        {
            var buffer = new byte[1];
            while (true)
            {
                var newline = _pending.IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    var line = Encoding.UTF8.GetString([.. _pending.Take(newline + 1)]).TrimEnd('\r', '\n');
                    _pending.RemoveRange(0, newline + 1);
                    return line;
                }
                var read = await _stream.ReadAsync(buffer, Stopping);
                if (read == 0) throw new EndOfStreamException();
                _pending.Add(buffer[0]);
            }
        }

        /// <summary>INFO, then expects CONNECT and PING, answers PONG.</summary>
        public async Task HandshakeAsync(string infoExtra = "")
        {
            await SendAsync($"INFO {{\"server_id\":\"FAKE\",\"version\":\"2.9.10\",\"proto\":1,\"headers\":true,\"max_payload\":1048576{infoExtra}}} \r\n");
            var connect = await ReadLineAsync();
            if (!connect.StartsWith("CONNECT ", StringComparison.Ordinal)) throw new InvalidDataException(connect);
            var ping = await ReadLineAsync();
            if (ping != "PING") throw new InvalidDataException(ping);
            await SendAsync("PONG\r\n");
        }

        /// <summary>Behaves like a quiet server: answers PING with PONG until the client leaves.</summary>
        public async Task ServeAsync(Action<string>? onLine = null)
        {
            while (true)
            {
                var line = await ReadLineAsync();
                onLine?.Invoke(line);
                if (line == "PING") await SendAsync("PONG\r\n");
            }
        }

        /// <summary>Waits until the client closes its side.</summary>
        public async Task WaitForCloseAsync()
        {
            try { while (true) await ReadLineAsync(); }
            catch (EndOfStreamException) { }
        }

        public void Dispose() => tcp.Dispose();
    }
}
