using BrokerGateway.Server.Auth;
using BrokerGateway.Server.Hosting;

var configuration = new ConfigurationBuilder()
    .SetBasePath(AppContext.BaseDirectory)
    .AddJsonFile("appsettings.json", optional: true);
ServerSettings.AddEnvironment(configuration);
var settings = ServerSettings.Load(configuration.Build());

// `BrokerGateway.Server token <uid> [nsp]` prints a development token signed with the configured HS256 secret.
if (args is ["token", var uid, ..])
{
    Console.WriteLine(DevelopmentTokens.Mint(settings.Auth, uid, args.Length > 2 ? args[2] : null, TimeSpan.FromHours(12)));
    return;
}

var app = await GatewayHost.CreateAsync(settings, args);
await app.RunAsync();
