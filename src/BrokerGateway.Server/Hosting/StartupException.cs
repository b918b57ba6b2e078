namespace BrokerGateway.Server.Hosting;

/// <summary>The replica cannot start: a server it needs did not answer. The message says which, and how it was configured.</summary>
public sealed class StartupException(string message, Exception inner) : Exception(message, inner);
