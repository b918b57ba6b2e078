namespace BrokerGateway.Bench.Nats;

/// <summary>One client library under test; every measurement opens its own connections and closes them.</summary>
interface IBenchClient
{
    string Name { get; }

    /// <summary>Publishes <paramref name="count"/> messages, then a flush; returns the elapsed seconds.</summary>
    Task<double> PublishOnlyAsync(string url, string subject, byte[] payload, int count);

    /// <summary>
    /// One publisher connection, one subscriber connection; returns how many messages the subscriber received and
    /// when the last one came. The publisher keeps at most <paramref name="window"/> messages in flight, so the
    /// server does not cut a subscriber off as a slow consumer.
    /// </summary>
    Task<Delivery> PublishSubscribeAsync(string url, string subject, byte[] payload, int count, int window);

    /// <summary>Sequential requests to a responder on a second connection; returns each round trip in microseconds.</summary>
    Task<double[]> RequestReplyAsync(string url, string subject, byte[] payload, int count);
}
