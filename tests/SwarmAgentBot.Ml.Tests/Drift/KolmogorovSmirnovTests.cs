using SwarmAgentBot.Ml.Drift;

namespace SwarmAgentBot.Ml.Tests.Drift;

/// <summary>
/// The two-sample KS test against scipy 1.10.1. Expected values were produced once by
/// <c>/usr/bin/python3 tests/SwarmAgentBot.Ml.Tests/Drift/reference_values.py</c> (section "two-sample KS" and
/// "kstwo.sf") on the same generated samples and pasted here.
/// </summary>
public sealed class KolmogorovSmirnovTests
{
    private const double Tolerance = 1e-9;

    // scipy.stats.ks_2samp(a, b) with its defaults: (statistic, p-value).
    private static readonly Dictionary<string, (double Statistic, double PValue)> Scipy = new()
    {
        ["EqualSizesExact"] = (0.24, 0.11238524845512393),
        ["UnequalSizesExact"] = (0.19583333333333333, 0.04567488360126285),
        ["TiesExact"] = (0.12666666666666668, 0.03996613576617748),
        ["NoDriftExact"] = (0.04214285714285714, 0.44408759997084185),
        ["LargestExact"] = (0.022266666666666667, 0.017922703804595003),
        ["NoDriftAsymptotic"] = (0.013742424242424223, 0.2264687097471394),
        ["SmallCurrentAsymptotic"] = (0.1220846153846154, 0.03915929813323094),
        ["DriftAsymptotic"] = (0.03626666666666667, 5.24866215910946e-09),
        ["StrongDriftAsymptotic"] = (0.37540692640692636, 0.0),
        ["ConstantReference"] = (0.505, 2.4579777350407602e-28),
    };

    /// <summary>The samples of reference_values.py, drawn in the same order from SampleGenerator(1).</summary>
    private static IEnumerable<(string Name, double[] A, double[] B, KolmogorovSmirnovPValueMethod Method)> Cases()
    {
        var g = new SampleGenerator(1);
        yield return ("EqualSizesExact", g.Normals(50, 0, 1), g.Normals(50, 0.3, 1), KolmogorovSmirnovPValueMethod.Exact);
        yield return ("UnequalSizesExact", g.Normals(80, 0, 1), g.Normals(120, 0.5, 1.2), KolmogorovSmirnovPValueMethod.Exact);
        yield return ("TiesExact", g.Steps(200, 10, 0.5), g.Steps(300, 9, 0.5), KolmogorovSmirnovPValueMethod.Exact);
        yield return ("NoDriftExact", g.Normals(1000, 5, 2), g.Normals(700, 5.05, 2), KolmogorovSmirnovPValueMethod.Exact);
        yield return ("LargestExact", g.Normals(10000, 0, 1), g.Normals(9000, 0.02, 1), KolmogorovSmirnovPValueMethod.Exact);
        yield return ("NoDriftAsymptotic", g.Normals(12000, 0, 1), g.Normals(11000, 0, 1), KolmogorovSmirnovPValueMethod.Asymptotic);
        yield return ("SmallCurrentAsymptotic", g.Normals(20000, 0, 1), g.Normals(130, 0.1, 1), KolmogorovSmirnovPValueMethod.Asymptotic);
        yield return ("DriftAsymptotic", g.Normals(15000, 0, 1), g.Normals(15000, 0.1, 1), KolmogorovSmirnovPValueMethod.Asymptotic);
        yield return ("StrongDriftAsymptotic", g.Normals(11000, 0, 1), g.Normals(10500, 1.0, 1), KolmogorovSmirnovPValueMethod.Asymptotic);
        yield return ("ConstantReference", Enumerable.Repeat(1.0, 300).ToArray(), g.Normals(200, 1, 0.1), KolmogorovSmirnovPValueMethod.Exact);
    }

    [Fact]
    public void ItMatchesScipyKs2SampOnEveryCase()
    {
        foreach (var (name, a, b, method) in Cases())
        {
            var result = KolmogorovSmirnovTest.Compute(a, b);
            var (statistic, pValue) = Scipy[name];
            Assert.True(Math.Abs(result.Statistic - statistic) <= Tolerance, $"{name}: D = {result.Statistic:R}, scipy {statistic:R}");
            Assert.True(Math.Abs(result.PValue - pValue) <= Tolerance, $"{name}: p = {result.PValue:R}, scipy {pValue:R}");
            Assert.Equal(method, result.Method);
        }
    }

    [Fact]
    public void ItKeepsRelativeAccuracyForSmallPValues()
    {
        // Absolute agreement says little about p = 5e-9; the drift report prints these, so check the digits too.
        var (name, a, b, _) = Cases().Single(c => c.Name == "DriftAsymptotic");
        var result = KolmogorovSmirnovTest.Compute(a, b);
        Assert.True(Math.Abs(result.PValue / Scipy[name].PValue - 1) < 1e-9, $"p = {result.PValue:R}");
    }

    [Fact]
    public void ItIgnoresTheOrderOfTheSamples()
    {
        var g = new SampleGenerator(7);
        var a = g.Normals(300, 0, 1);
        var b = g.Normals(200, 0.2, 1);
        var forward = KolmogorovSmirnovTest.Compute(a, b);
        var backward = KolmogorovSmirnovTest.Compute(b, a);
        Assert.Equal(forward.Statistic, backward.Statistic, 15);
        Assert.Equal(forward.PValue, backward.PValue, 12);
    }

    [Fact]
    public void ItRejectsAnEmptySample() =>
        Assert.Throws<ArgumentException>(() => KolmogorovSmirnovTest.Compute([1.0, 2.0], []));

    // scipy.stats.kstwo.sf(x, n): covers Ruben–Gambino ends, Durbin matrix, Pomeranz, Pelz–Good and 2·smirnov.
    public static TheoryData<int, double, double> KsTwoSurvival => new()
    {
        { 5, 0.05, 1.0 },
        { 5, 0.15, 0.9988 },
        { 5, 0.19, 0.977325184 },
        { 5, 0.5, 0.112 },
        { 5, 0.81, 0.0004952197999999993 },
        { 20, 0.1, 0.976255094592155 },
        { 20, 0.3, 0.04306706665851623 },
        { 20, 0.45, 0.00032446411409554644 },
        { 100, 0.04, 0.995307510717411 },
        { 100, 0.09, 0.3706320255863282 },
        { 100, 0.12, 0.1033037490181987 },
        { 100, 0.22, 9.900265927321788e-05 },
        { 140, 0.2, 2.1981563302200222e-05 },
        { 141, 0.05, 0.8548456930096628 },
        { 141, 0.13, 0.015449346308454497 },
        { 500, 0.02, 0.9859871786857471 },
        { 500, 0.04, 0.3902508696049749 },
        { 500, 0.07, 0.01416832020019071 },
        { 5000, 0.004, 0.9999977369528622 },
        { 5000, 0.012, 0.4639912166690191 },
        { 5000, 0.025, 0.0037948405200437306 },
        { 20000, 0.002, 0.9999979895410975 },
        { 20000, 0.0095, 0.05375933278176359 },
        { 20000, 0.015, 0.00024427802730063317 },
        { 100000, 0.0004, 1.0 },
        { 100000, 0.003, 0.3284563327726956 },
        { 100001, 0.003, 0.32845050055711633 },
        { 500000, 0.0012, 0.4671992770600679 },
        { 500000, 0.0025, 0.0038544560212235442 },
        { 500000, 0.004, 2.2445978493851467e-07 },
        { 1000, 0.6, 0.0 },
        { 300, 0.0012, 1.0 },
    };

    [Theory]
    [MemberData(nameof(KsTwoSurvival))]
    public void ItMatchesScipyKstwoSurvival(int n, double x, double expected)
    {
        var actual = KolmogorovDistribution.TwoSidedSurvival(n, x);
        Assert.True(Math.Abs(actual - expected) <= Tolerance, $"kstwo.sf({x}, {n}) = {actual:R}, scipy {expected:R}");
    }
}
