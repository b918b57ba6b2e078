namespace BrokerGateway.Core.Connections;

/// <summary>One encoded WebSocket message, shared by every socket it goes to.</summary>
public readonly record struct OutboundFrame(ReadOnlyMemory<byte> Data, bool IsText = true);
