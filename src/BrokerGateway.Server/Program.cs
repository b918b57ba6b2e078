using BrokerGateway.Server.Auth;
using BrokerGateway.Server.Hosting;

var configuration = new ConfigurationBuilder()
    .SetBasePath(AppContext.BaseDirectory)
    .AddJsonFile("appsettings.json", optional: true);
ServerSettings.AddEnvironment(configuration);
ServerSettings settings;
try
{
    settings = ServerSettings.Load(configuration.Build());
    settings.Validate();
}
catch (InvalidSettingsException e)
{
    return CannotStart(ExitCodes.InvalidSettings, e.Problems);
}

// `BrokerGateway.Server token <uid> [nsp]` prints a development token signed with the configured HS256 secret.
if (args is ["token", var uid, ..])
{
    try
    {
        Console.WriteLine(DevelopmentTokens.Mint(settings.Auth, uid, args.Length > 2 ? args[2] : null, TimeSpan.FromHours(12)));
        return 0;
    }
    catch (InvalidOperationException e)
    {
        Console.Error.WriteLine("no development token: " + e.Message);
        return ExitCodes.InvalidSettings;
    }
}

try
{
    var app = await GatewayHost.CreateAsync(settings, args);
    await app.RunAsync();
    return 0;
}
catch (StartupException e)
{
    return CannotStart(ExitCodes.Unavailable, [e.Message]);
}

// One line per problem on standard error, and no stack trace: what is wrong is the configuration or the
// environment, not the code.
static int CannotStart(int exitCode, IEnumerable<string> problems)
{
    Console.Error.WriteLine("BrokerGateway cannot start:");
    foreach (var problem in problems) Console.Error.WriteLine("  " + problem);
    return exitCode;
}

/// <summary>Exit statuses of a replica that did not start (docs/operations.md "Start").</summary>
static class ExitCodes
{
    /// <summary>NATS did not answer, or a port is taken: trying again later may work.</summary>
    public const int Unavailable = 1;

    /// <summary>A setting cannot be read or cannot work: trying again will not help.</summary>
    public const int InvalidSettings = 2;
}
