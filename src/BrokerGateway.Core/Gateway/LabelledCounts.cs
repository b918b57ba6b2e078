namespace BrokerGateway.Core.Gateway;

/// <summary>
/// Counts by label over a fixed set, and every other value under one "other" label: a metric labelled this
/// way has a bounded number of series however many distinct values arrive.
/// </summary>
public sealed class LabelledCounts<T>(IReadOnlyList<T> labels, T other) where T : notnull
{
    readonly long[] _counts = new long[labels.Count + 1];

    public void Increment(T label)
    {
        var i = 0;
        while (i < labels.Count && !EqualityComparer<T>.Default.Equals(labels[i], label)) i++;
        Interlocked.Increment(ref _counts[i]);
    }

    /// <summary>Every label with its count, the "other" label last.</summary>
    public IEnumerable<(T Label, long Count)> Counts =>
        labels.Select((label, i) => (label, Interlocked.Read(ref _counts[i]))).Append((other, Interlocked.Read(ref _counts[^1])));
}
