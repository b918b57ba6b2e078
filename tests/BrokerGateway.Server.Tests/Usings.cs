global using Xunit;
global using BrokerGateway.Testing;
global using BrokerGateway.Server.Tests.Infrastructure;
global using System.Text.Json.Nodes;
