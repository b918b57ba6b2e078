using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace BrokerGateway.Server.Tests.Infrastructure;

/// <summary>The names of the log events a replica wrote (warnings and above, as the tests' replicas log).</summary>
public sealed class LogEvents : ILoggerProvider
{
    readonly ConcurrentQueue<string> _names = new();
    readonly ConcurrentQueue<string> _texts = new();

    public IReadOnlyCollection<string> Names => _names;

    /// <summary>Each event's name, message and exception, for a failing test to show.</summary>
    public string Text => string.Join("\n", _texts);

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() { }

    sealed class Logger(LogEvents sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var name = eventId.Name ?? eventId.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            sink._names.Enqueue(name);
            sink._texts.Enqueue($"{name}: {formatter(state, exception)} {exception}");
        }
    }
}
