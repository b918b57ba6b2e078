using BrokerGateway.Server.Hosting;

var configuration = new ConfigurationBuilder()
    .SetBasePath(AppContext.BaseDirectory)
    .AddJsonFile("appsettings.json", optional: true)
    .AddCommandLine(args);
ServerSettings.AddEnvironment(configuration);
var settings = ServerSettings.Load(configuration.Build());

var app = await GatewayHost.CreateAsync(settings, args);
await app.RunAsync();
