using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace BrokerGateway.Core.Tests.Presence;

/// <summary>
/// A contract test. It runs once per implementation (each subclass of the contract); in a subclass
/// marked <see cref="RequiresRedisAttribute"/> it is skipped, like <c>[RedisFact]</c>, when redis-server
/// is missing and servers are not required.
/// </summary>
[XunitTestCaseDiscoverer("BrokerGateway.Core.Tests.Presence.StoreFactDiscoverer", "BrokerGateway.Core.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute;

/// <summary>Marks a contract subclass whose store needs a real redis-server.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresRedisAttribute : Attribute;

public sealed class StoreFactDiscoverer(IMessageSink diagnostics) : IXunitTestCaseDiscoverer
{
    readonly FactDiscoverer _facts = new(diagnostics);

    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions options, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var needsRedis = testMethod.TestClass.Class.ToRuntimeType()?.GetCustomAttribute<RequiresRedisAttribute>() is not null;
        if (needsRedis && Servers.RedisSkipReason is { } reason)
        {
            return [new XunitSkippedDataRowTestCase(diagnostics, options.MethodDisplayOrDefault(),
                options.MethodDisplayOptionsOrDefault(), testMethod, reason)];
        }
        return _facts.Discover(options, testMethod, factAttribute);
    }
}
