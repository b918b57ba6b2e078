using System.Collections.Concurrent;

namespace BrokerGateway.Bench.Fanout;

/// <summary>
/// All client sockets of one measurement. Each joins its room through its token's <c>rooms</c> claim;
/// see <see cref="ReplicaOf"/> for how clients spread over rooms and replicas.
/// </summary>
public sealed class ClientFleet
{
    readonly List<FanoutClient> _clients = [];
    readonly ConcurrentQueue<string> _unexpectedCloses = new();
    long _frames;
    int _unexpectedCloseCount;
    volatile DeliveryLedger? _ledger;
    volatile bool _closing;

    public ClientFleet(int rooms) => Rooms = rooms;

    public int Rooms { get; }
    public int Count => _clients.Count;
    public IReadOnlyList<FanoutClient> Clients => _clients;

    /// <summary>The run being measured; pushes arriving while it is null are only counted as frames.</summary>
    public DeliveryLedger? Ledger { get => _ledger; set => _ledger = value; }

    public bool Closing => _closing;
    public long Frames => Interlocked.Read(ref _frames);
    public int UnexpectedCloses => Volatile.Read(ref _unexpectedCloseCount);
    public IEnumerable<string> UnexpectedCloseSamples => _unexpectedCloses.Take(5);

    public void CountFrame() => Interlocked.Increment(ref _frames);

    public void OnClosedByServer(FanoutClient client, int? code, string? reason)
    {
        if (_closing) return;
        if (Interlocked.Increment(ref _unexpectedCloseCount) <= 5)
            _unexpectedCloses.Enqueue($"client {client.Index} (room r{client.Room}): {code?.ToString() ?? "no close frame"} {reason}");
    }

    /// <summary>Members of each room, for the ledger.</summary>
    public int[] MembersOfRoom()
    {
        var members = new int[Rooms];
        foreach (var c in _clients) members[c.Room]++;
        return members;
    }

    /// <summary>
    /// Client i is in room i mod rooms, on replica (i mod rooms + i div rooms) mod replicas: every room has the
    /// same number of members, spread over all replicas (34/33/33 of 100 on three), and when the rooms divide
    /// by the replicas every replica holds the same number of clients.
    /// </summary>
    public static int RoomOf(int client, int rooms) => client % rooms;

    public static int ReplicaOf(int client, int rooms, int replicas) => (client % rooms + client / rooms) % replicas;

    /// <summary>
    /// Connects <paramref name="count"/> clients over <paramref name="replicas"/>, at most
    /// <paramref name="concurrency"/> handshakes at a time, and waits for every <c>welcome</c>.
    /// </summary>
    public async Task ConnectAsync(int count, IReadOnlyList<Replica> replicas, Tokens tokens, int concurrency, CancellationToken ct)
    {
        using var gate = new SemaphoreSlim(concurrency);
        var tasks = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var replica = replicas[ReplicaOf(i, Rooms, replicas.Count)];
            var client = new FanoutClient(this, i, RoomOf(i, Rooms));
            _clients.Add(client);
            await gate.WaitAsync(ct);
            tasks.Add(ConnectOneAsync(client, replica, tokens, gate, ct));
        }
        await Task.WhenAll(tasks);
        await Task.WhenAll(_clients.Select(c => c.Welcomed)).WaitAsync(TimeSpan.FromSeconds(30), ct);
    }

    static async Task ConnectOneAsync(FanoutClient client, Replica replica, Tokens tokens, SemaphoreSlim gate, CancellationToken ct)
    {
        try
        {
            var token = tokens.Mint($"u{client.Index}", $"r{client.Room}");
            await client.ConnectAsync(new Uri($"ws://127.0.0.1:{replica.PublicPort}/v1/ws?token={token}"), ct);
            await client.Welcomed.WaitAsync(TimeSpan.FromSeconds(30), ct);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Waits until no frame has arrived for <paramref name="quiet"/> (joins make the gateway send presence
    /// frames to room members; memory is measured after they are delivered), at most <paramref name="limit"/>.
    /// </summary>
    public async Task WaitForQuietAsync(TimeSpan quiet, TimeSpan limit, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + limit;
        var last = Frames;
        var lastChange = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, ct);
            var now = Frames;
            if (now != last) { last = now; lastChange = DateTime.UtcNow; }
            else if (DateTime.UtcNow - lastChange >= quiet) return;
        }
    }

    public async Task CloseAllAsync()
    {
        _closing = true;
        foreach (var batch in _clients.Chunk(256)) await Task.WhenAll(batch.Select(c => c.CloseAsync()));
        _clients.Clear();
    }

    public void AbortAll()
    {
        _closing = true;
        foreach (var c in _clients)
        {
            try { c.Abort(); } catch (Exception) { }
        }
    }
}
