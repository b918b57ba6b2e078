using System.Reflection;
using System.Runtime.ExceptionServices;
using BrokerGateway.Presence.Redis;
using StackExchange.Redis;

namespace BrokerGateway.Core.Tests.Presence;

/// <summary>
/// A real Redis client that runs a step of the test's right after one chosen script answers, before the
/// store sees the answer. Another node's write then lands exactly between two round trips of one store
/// call, where it can land in production, with no timing involved. Every call still goes to Redis.
/// </summary>
internal static class InterleavedRedis
{
    /// <summary>
    /// <paramref name="redis"/>, except that the first time <paramref name="script"/> answers,
    /// <paramref name="step"/> runs before the answer is handed on.
    /// </summary>
    public static IConnectionMultiplexer AfterFirstAnswer(IConnectionMultiplexer redis, RedisScript script, Func<Task> step)
    {
        var pending = 1;
        return OnAnswers(redis, script, ThenAsync);

        async Task<RedisResult> ThenAsync(Task<RedisResult> answer)
        {
            var result = await answer; // a NOSCRIPT answer throws here: the step waits for the script's real answer
            if (Interlocked.Exchange(ref pending, 0) == 1) await step();
            return result;
        }
    }

    /// <summary>
    /// <paramref name="redis"/>, except that the first <paramref name="count"/> answers of
    /// <paramref name="script"/> never reach the caller: Redis has run the script, and the caller waits
    /// until its own timeout gives up, as when the link drops or stalls after the request went out.
    /// </summary>
    public static IConnectionMultiplexer LosingAnswers(IConnectionMultiplexer redis, RedisScript script, int count)
    {
        var left = count;
        return OnAnswers(redis, script, LoseAsync);

        async Task<RedisResult> LoseAsync(Task<RedisResult> answer)
        {
            var result = await answer; // a NOSCRIPT answer throws here: only answers of a script that ran are lost
            if (Interlocked.Decrement(ref left) >= 0) await new TaskCompletionSource().Task;
            return result;
        }
    }

    /// <summary><paramref name="redis"/>, with every answer of <paramref name="script"/> passed through <paramref name="answer"/>.</summary>
    static IConnectionMultiplexer OnAnswers(IConnectionMultiplexer redis, RedisScript script, Func<Task<RedisResult>, Task<RedisResult>> answer)
    {
        var db = Forwarding<IDatabase>.Create(redis.GetDatabase(), (method, args, call) =>
            method.Name == nameof(IDatabaseAsync.ScriptEvaluateAsync) && Runs(script, args![0]) ? answer((Task<RedisResult>)call()!) : call());
        return Forwarding<IConnectionMultiplexer>.Create(redis, (method, _, call) =>
            method.Name == nameof(IConnectionMultiplexer.GetDatabase) ? db : call());
    }

    /// <summary>True for a call of <paramref name="script"/>, by its hash (EVALSHA) or its text (EVAL).</summary>
    static bool Runs(RedisScript script, object? first) =>
        first is byte[] hash ? hash.AsSpan().SequenceEqual(script.Hash) : first is string text && text == script.Text;
}

/// <summary>A <typeparamref name="T"/> that hands every call to a target, through a route that may step in.</summary>
internal class Forwarding<T> : DispatchProxy where T : class
{
    T _target = null!;
    Func<MethodInfo, object?[]?, Func<object?>, object?> _route = null!;

    public static T Create(T target, Func<MethodInfo, object?[]?, Func<object?>, object?> route)
    {
        var proxy = DispatchProxy.Create<T, Forwarding<T>>();
        var forwarding = (Forwarding<T>)(object)proxy;
        forwarding._target = target;
        forwarding._route = route;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? method, object?[]? args) => _route(method!, args, () =>
    {
        try
        {
            return method!.Invoke(_target, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    });
}
