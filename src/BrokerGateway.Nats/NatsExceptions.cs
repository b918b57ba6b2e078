namespace BrokerGateway.Nats;

/// <summary>Base of every error this client throws.</summary>
public class NatsException : Exception
{
    public NatsException(string message) : base(message) { }
    public NatsException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>No server could be reached, or the connection is closed or not yet started.</summary>
public class NatsConnectionException : NatsException
{
    public NatsConnectionException(string message) : base(message) { }
    public NatsConnectionException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>A request found no subscriber on its subject (the server answered status 503, digest §10).</summary>
public sealed class NatsNoRespondersException(string subject)
    : NatsException($"no responders are subscribed to '{subject}'")
{
    public string Subject { get; } = subject;
}

/// <summary>
/// A request got no reply in time. It is a <see cref="NatsException"/>; to be recognisable as a timeout by code
/// that knows nothing of NATS, its <see cref="Exception.InnerException"/> is a <see cref="TimeoutException"/>
/// and its <see cref="Exception.HResult"/> is that of <see cref="TimeoutException"/> (COR_E_TIMEOUT).
/// </summary>
public sealed class NatsTimeoutException : NatsException
{
    public NatsTimeoutException(string message) : base(message, new TimeoutException(message))
    {
        HResult = InnerException!.HResult;
    }
}

/// <summary>A publish is larger than the server's <c>max_payload</c> (digest §9); nothing was sent.</summary>
public sealed class NatsMaxPayloadException(long size, long maxPayload)
    : NatsException($"message of {size} bytes (headers and payload) exceeds the server's max_payload of {maxPayload} bytes")
{
    public long Size { get; } = size;
    public long MaxPayload { get; } = maxPayload;
}

/// <summary>A subject, queue group or reply subject is not valid (digest §7); nothing was sent.</summary>
public sealed class NatsSubjectException(string message) : NatsException(message);

/// <summary>
/// A publish made while disconnected did not fit the reconnect buffer (<see cref="NatsOptions.ReconnectBufferBytes"/>);
/// it was not sent.
/// </summary>
public sealed class NatsReconnectBufferFullException(int bufferedBytes, int limit)
    : NatsException($"the reconnect buffer is full ({bufferedBytes} of {limit} bytes in use) while disconnected")
{
    public int BufferedBytes { get; } = bufferedBytes;
    public int Limit { get; } = limit;
}

/// <summary>The server sent something that breaks the protocol, or a fatal <c>-ERR</c>; the connection is replaced.</summary>
public sealed class NatsProtocolException : NatsException
{
    public NatsProtocolException(string message) : base(message) { }
    public NatsProtocolException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>The server said <c>-ERR</c>; <see cref="ServerMessage"/> is its text without quotes.</summary>
public sealed class NatsServerErrorException(string serverMessage)
    : NatsException($"server error: {serverMessage}")
{
    public string ServerMessage { get; } = serverMessage;

    /// <summary>Authorization/authentication errors (digest §6), which reconnecting with the same credentials will not fix.</summary>
    public bool IsAuthError =>
        ServerMessage.Contains("authorization", StringComparison.OrdinalIgnoreCase)
        || ServerMessage.Contains("authentication", StringComparison.OrdinalIgnoreCase);

    /// <summary>Errors after which the server keeps the connection open (digest §6).</summary>
    public bool IsNonFatal =>
        ServerMessage.StartsWith("permissions violation", StringComparison.OrdinalIgnoreCase)
        || ServerMessage.StartsWith("invalid subject", StringComparison.OrdinalIgnoreCase)
        || ServerMessage.StartsWith("invalid publish subject", StringComparison.OrdinalIgnoreCase);
}
