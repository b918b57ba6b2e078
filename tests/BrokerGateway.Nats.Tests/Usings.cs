global using Xunit;
global using BrokerGateway.Testing;
global using BrokerGateway.Nats.Tests.Support;
