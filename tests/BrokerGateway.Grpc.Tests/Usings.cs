global using Xunit;
global using BrokerGateway.Testing;
global using BrokerGateway.Grpc.Tests.Infrastructure;
