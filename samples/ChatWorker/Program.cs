// A chat worker: run any number of them; they share the work through one queue group.
//   dotnet run --project samples/ChatWorker -- nats://127.0.0.1:4222 [subject-prefix]
// A client joins a room, then sends {"type":"send","event":"chat","data":{"room":"lobby","text":"hi"}}:
// every member of the room gets {"from":…,"text":"hi"}. {"type":"rpc","method":"time","id":1} answers the time.
using System.Text;
using System.Text.Json;
using BrokerGateway.Client;
using BrokerGateway.Contracts.Events;
using BrokerGateway.Core.Addressing;

var nats = args.Length > 0 ? args[0] : "nats://127.0.0.1:4222";
var prefix = args.Length > 1 ? args[1] : Subjects.DefaultPrefix;
await using var backend = await BackendClient.ConnectAsync(nats, prefix, "chat-worker");

await using var events = await backend.ConsumeEventsAsync("default", "chat-workers", async e =>
{
    switch (e.KindCase)
    {
        case ClientEvent.KindOneofCase.Open:
            Console.WriteLine($"{e.Uid} connected ({e.Conn} on {e.Node})");
            break;
        case ClientEvent.KindOneofCase.Message when e.Message.Event == "chat":
            var line = JsonSerializer.Deserialize<ChatLine>(e.Message.Data.Span, Web);
            if (line?.Room is null) return;
            await backend.PushJsonAsync(Target.Room("default", line.Room), new { from = e.Uid, text = line.Text }, new PushOptions { Event = "chat" });
            break;
        case ClientEvent.KindOneofCase.Message:
            // Anything else is echoed to the sender.
            await backend.PushToConnectionAsync(e.Conn, e.Message.Data.Memory, new PushOptions { Event = "echo", ContentType = e.Message.ContentType });
            break;
        case ClientEvent.KindOneofCase.Close:
            Console.WriteLine($"{e.Uid} left ({e.Close.Code} {e.Close.Reason})");
            break;
    }
});

await using var time = await backend.HandleRpcAsync("default", "time", _ =>
    ValueTask.FromResult<ReadOnlyMemory<byte>>(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { now = DateTimeOffset.UtcNow }))));

Console.WriteLine($"chat worker on {nats}, prefix '{prefix}': Ctrl-C to stop");
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();
await stop.Task;

sealed record ChatLine(string? Room, string? Text);

static partial class Program
{
    static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
}
