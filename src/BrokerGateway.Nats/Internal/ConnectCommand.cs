using System.Buffers;
using System.Reflection;
using System.Text.Json;

namespace BrokerGateway.Nats.Internal;

/// <summary>The CONNECT line (digest §4) followed by the PING whose PONG confirms the handshake (digest §5).</summary>
static class ConnectCommand
{
    static readonly string ClientVersion =
        typeof(ConnectCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "1.0.0";

    public static byte[] Build(NatsOptions options, ServerAddress server, NatsServerInfo info)
    {
        var json = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            // verbose off: no +OK per command; pedantic off: the client validates subjects itself (digest §7).
            w.WriteBoolean("verbose", false);
            w.WriteBoolean("pedantic", false);
            w.WriteBoolean("tls_required", false);
            if (options.Name is not null) w.WriteString("name", options.Name);
            w.WriteString("lang", ".NET");
            w.WriteString("version", ClientVersion);
            // protocol 1: the server sends INFO updates (cluster, lame duck) at any time (digest §4, §12).
            w.WriteNumber("protocol", 1);
            w.WriteBoolean("echo", !options.NoEcho);
            // no_responders needs headers (digest §4); both follow what the server supports.
            w.WriteBoolean("headers", info.Headers);
            w.WriteBoolean("no_responders", info.Headers);
            var user = server.User ?? options.User;
            var password = server.User is not null ? server.Password : options.Password;
            var token = server.Token ?? (server.User is null ? options.Token : null);
            if (user is not null) w.WriteString("user", user);
            if (password is not null) w.WriteString("pass", password);
            if (token is not null) w.WriteString("auth_token", token);
            w.WriteEndObject();
        }
        var output = new ArrayBufferWriter<byte>(json.WrittenCount + 32);
        ProtocolWriter.WriteConnect(output, json.WrittenSpan);
        output.Write(ProtocolWriter.Ping);
        return output.WrittenSpan.ToArray();
    }
}
