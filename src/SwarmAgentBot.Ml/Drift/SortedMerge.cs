namespace SwarmAgentBot.Ml.Drift;

/// <summary>
/// Walks two ascending samples together one distinct value at a time: after each <see cref="MoveNext"/>,
/// <see cref="Value"/> is the next distinct value of the pooled samples and <see cref="CountA"/> / <see cref="CountB"/>
/// are how many values of each sample are ≤ it (the two empirical CDFs, unscaled). Every two-sample statistic
/// here (KS, Wasserstein, value counts) is one such walk.
/// </summary>
internal ref struct SortedMerge(ReadOnlySpan<double> sortedA, ReadOnlySpan<double> sortedB)
{
    private readonly ReadOnlySpan<double> _a = sortedA;
    private readonly ReadOnlySpan<double> _b = sortedB;

    /// <summary>The current distinct value.</summary>
    public double Value { get; private set; }

    /// <summary>Values of the first sample ≤ <see cref="Value"/>.</summary>
    public int CountA { get; private set; }

    /// <summary>Values of the second sample ≤ <see cref="Value"/>.</summary>
    public int CountB { get; private set; }

    /// <summary>True while values remain after <see cref="Value"/>.</summary>
    public readonly bool HasNext => CountA < _a.Length || CountB < _b.Length;

    /// <summary>The smallest value after <see cref="Value"/> (only when <see cref="HasNext"/>).</summary>
    public readonly double Next => CountB >= _b.Length || (CountA < _a.Length && _a[CountA] <= _b[CountB]) ? _a[CountA] : _b[CountB];

    /// <summary>Steps to the next distinct value; false at the end.</summary>
    public bool MoveNext()
    {
        if (!HasNext) return false;
        var value = Next;
        var i = CountA;
        var j = CountB;
        while (i < _a.Length && _a[i] <= value) i++;
        while (j < _b.Length && _b[j] <= value) j++;
        (Value, CountA, CountB) = (value, i, j);
        return true;
    }
}
