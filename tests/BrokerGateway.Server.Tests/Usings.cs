global using Xunit;
global using BrokerGateway.Testing;
