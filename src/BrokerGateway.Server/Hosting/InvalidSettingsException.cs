namespace BrokerGateway.Server.Hosting;

/// <summary>
/// The replica cannot start as configured. Each problem names its setting (environment variable and
/// configuration key) and what it accepts, so an operator can fix them all in one go.
/// </summary>
public sealed class InvalidSettingsException(IReadOnlyList<string> problems)
    : Exception("invalid configuration: " + string.Join("; ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
