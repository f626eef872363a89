using MathNet.Numerics;

namespace SwarmAgentBot.Ml.Drift;

/// <summary>A test statistic with its p-value.</summary>
public readonly record struct TestResult(double Statistic, double PValue);

/// <summary>Tests on category counts: Evidently's chi-square and two-proportion Z-test.</summary>
public static class CategoryTests
{
    /// <summary>
    /// Evidently's <c>chisquare</c> drift test: the expected count of each category is its reference count scaled
    /// to the current window's size (reference count × n_current / n_reference), then
    /// <c>scipy.stats.chisquare(observed, expected)</c> with k − 1 degrees of freedom.
    /// </summary>
    /// <remarks>
    /// A category seen only in the current window has expected count 0. Evidently passes that to scipy, which
    /// divides by zero: the statistic is +∞ and the p-value 0, so the column drifts. We give the same answer
    /// without dividing by zero. With a single category in all (no degrees of freedom) there is nothing to
    /// test: statistic 0, p-value 1.
    /// </remarks>
    /// <param name="referenceCounts">Count per category in the reference window.</param>
    /// <param name="currentCounts">Count per category in the current window, same order.</param>
    public static TestResult ChiSquare(ReadOnlySpan<long> referenceCounts, ReadOnlySpan<long> currentCounts)
    {
        if (referenceCounts.Length != currentCounts.Length) throw new ArgumentException("Both windows need the same categories.");
        long referenceTotal = 0, currentTotal = 0;
        foreach (var c in referenceCounts) referenceTotal += c;
        foreach (var c in currentCounts) currentTotal += c;
        if (referenceTotal == 0 || currentTotal == 0) throw new ArgumentException("The chi-square test needs values in both windows.");
        if (referenceCounts.Length < 2) return new TestResult(0, 1);

        var scale = (double)currentTotal / referenceTotal;
        var statistic = 0.0;
        for (var i = 0; i < referenceCounts.Length; i++)
        {
            var expected = referenceCounts[i] * scale;
            double observed = currentCounts[i];
            if (expected == 0)
            {
                if (observed > 0) return new TestResult(double.PositiveInfinity, 0);
                continue;
            }
            statistic += (observed - expected) * (observed - expected) / expected;
        }
        var degrees = referenceCounts.Length - 1;
        return new TestResult(statistic, ChiSquareSurvival(statistic, degrees));
    }

    /// <summary>Pr(χ²_k ≥ x) = Q(k/2, x/2), the regularized upper incomplete gamma function.</summary>
    public static double ChiSquareSurvival(double x, int degreesOfFreedom)
    {
        if (double.IsPositiveInfinity(x)) return 0;
        if (x <= 0) return 1;
        return Math.Clamp(SpecialFunctions.GammaUpperRegularized(degreesOfFreedom / 2.0, x / 2.0), 0, 1);
    }

    /// <summary>
    /// Evidently's <c>z</c> drift test for a column with two values: a two-sided two-proportion Z-test with the
    /// pooled proportion, z = (p1 − p2) / sqrt(P(1 − P)(1/n1 + 1/n2)), p = 2·(1 − Φ(|z|)).
    /// </summary>
    /// <remarks>When both windows hold one and the same value the test is 1 (nothing changed), as in Evidently.</remarks>
    /// <param name="referenceHits">Reference rows with the counted value.</param>
    /// <param name="referenceTotal">Reference rows.</param>
    /// <param name="currentHits">Current rows with the counted value.</param>
    /// <param name="currentTotal">Current rows.</param>
    public static TestResult TwoProportionZ(long referenceHits, long referenceTotal, long currentHits, long currentTotal)
    {
        if (referenceTotal <= 0 || currentTotal <= 0) throw new ArgumentException("The Z-test needs values in both windows.");
        if ((referenceHits == 0 && currentHits == 0) || (referenceHits == referenceTotal && currentHits == currentTotal))
            return new TestResult(0, 1);
        double n1 = referenceTotal, n2 = currentTotal;
        var p1 = referenceHits / n1;
        var p2 = currentHits / n2;
        var pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
        var z = (p1 - p2) / Math.Sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2));
        // erfc(|z|/√2) is 2(1 − Φ(|z|)) without the cancellation of 1 − Φ for large |z|.
        return new TestResult(z, Math.Clamp(SpecialFunctions.Erfc(Math.Abs(z) / Math.Sqrt(2)), 0, 1));
    }
}
