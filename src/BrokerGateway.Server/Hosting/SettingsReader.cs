using System.Globalization;

namespace BrokerGateway.Server.Hosting;

/// <summary>
/// Reads the <c>Gateway</c> section one setting at a time. A value that cannot be read is a problem
/// naming its setting, never an exception from the configuration binder nor a silent default.
/// </summary>
sealed class SettingsReader(IConfigurationSection section, List<string> problems)
{
    /// <summary>The value, or null when absent or blank.</summary>
    public string? Text(string key) => string.IsNullOrWhiteSpace(section[key]) ? null : section[key];

    /// <summary>The value as given, empty included; null only when absent.</summary>
    public string? Raw(string key) => section[key];

    public int Int(string key, int fallback)
    {
        if (Text(key) is not { } text) return fallback;
        if (int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)) return value;
        problems.Add($"{ServerSettings.Describe(key)}: '{text}' is not a whole number from {int.MinValue} to {int.MaxValue}");
        return fallback;
    }

    public double Double(string key, double fallback)
    {
        if (Text(key) is not { } text) return fallback;
        if (double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)) return value;
        problems.Add($"{ServerSettings.Describe(key)}: '{text}' is not a number");
        return fallback;
    }

    public TimeSpan Milliseconds(string key, TimeSpan fallback)
    {
        if (Text(key) is null) return fallback;
        var before = problems.Count;
        var ms = Int(key, 0);
        return problems.Count > before ? fallback : TimeSpan.FromMilliseconds(ms);
    }

    public bool Bool(string key, bool fallback)
    {
        if (Text(key) is not { } text) return fallback;
        if (bool.TryParse(text.Trim(), out var value)) return value;
        problems.Add($"{ServerSettings.Describe(key)}: '{text}' is neither true nor false");
        return fallback;
    }

    public T Enum<T>(string key, T fallback) where T : struct, Enum
    {
        if (Text(key) is not { } text) return fallback;
        // Names only: Enum.TryParse would also take "7", a value no member has.
        foreach (var name in System.Enum.GetNames<T>())
            if (name.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase)) return System.Enum.Parse<T>(name);
        problems.Add($"{ServerSettings.Describe(key)}: '{text}' is not one of {string.Join(", ", System.Enum.GetNames<T>())}");
        return fallback;
    }

    /// <summary>Keys in the section that no setting reads: a misspelt key would otherwise leave its default in force unnoticed.</summary>
    public void RejectUnknownKeys(IReadOnlySet<string> known)
    {
        foreach (var (key, value) in section.AsEnumerable(makePathsRelative: true))
        {
            if (value is null) continue; // a section such as Jwt, not a value
            if (!known.Contains(key)) problems.Add($"{section.Path}:{key} is not a setting (the README lists them)");
        }
    }
}
