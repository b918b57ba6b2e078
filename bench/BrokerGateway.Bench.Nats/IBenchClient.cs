namespace BrokerGateway.Bench.Nats;

/// <summary>One client library under test; every measurement opens its own connections and closes them.</summary>
interface IBenchClient
{
    string Name { get; }

    /// <summary>Publishes <paramref name="count"/> messages, then a flush; returns the elapsed seconds.</summary>
    Task<double> PublishOnlyAsync(string url, string subject, byte[] payload, int count);

    /// <summary>
    /// One publisher connection, one subscriber connection; returns seconds until the subscriber has received
    /// all <paramref name="count"/> messages. The publisher keeps at most <paramref name="window"/> messages
    /// in flight, so neither client is cut off by the server as a slow consumer.
    /// </summary>
    Task<double> PublishSubscribeAsync(string url, string subject, byte[] payload, int count, int window);

    /// <summary>Sequential requests to a responder on a second connection; returns each round trip in microseconds.</summary>
    Task<double[]> RequestReplyAsync(string url, string subject, byte[] payload, int count);
}
