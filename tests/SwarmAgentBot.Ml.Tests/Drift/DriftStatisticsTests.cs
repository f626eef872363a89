using SwarmAgentBot.Ml.Drift;

namespace SwarmAgentBot.Ml.Tests.Drift;

/// <summary>
/// Chi-square, two-proportion Z, Wasserstein (plain and normed), Jensen–Shannon and PSI against scipy 1.10.1 /
/// numpy 1.24.2 doing what Evidently does. Expected values were produced once by
/// <c>/usr/bin/python3 tests/SwarmAgentBot.Ml.Tests/Drift/reference_values.py</c> on the same inputs and pasted here.
/// </summary>
public sealed class DriftStatisticsTests
{
    private const double Tolerance = 1e-9;

    private static void Near(double expected, double actual, string what)
    {
        if (double.IsPositiveInfinity(expected)) Assert.True(double.IsPositiveInfinity(actual), $"{what}: {actual:R}, expected +inf");
        else Assert.True(Math.Abs(expected - actual) <= Tolerance, $"{what}: {actual:R}, scipy {expected:R}");
    }

    public static TheoryData<string, long[], long[], double, double> ChiSquareCases => new()
    {
        // Section "chi-square on counts": scipy.stats.chisquare(current, reference * n_current / n_reference).
        { "Shifted", [277, 162, 114, 47], [155, 121, 142, 32], 51.03176296059392, 4.8164492149949705e-11 },
        { "Same", [109, 84, 85, 90, 95, 82, 94, 83, 86, 92], [76, 76, 81, 75, 91, 71, 86, 79, 76, 89], 6.871639921325899, 0.650481584361035 },
        { "NewCategory", [30, 50, 20, 0], [25, 40, 30, 5], double.PositiveInfinity, 0.0 },
        { "VanishedCategories", [30, 50, 20, 7], [25, 40, 0, 0], 21.97179487179487, 6.61185570010386e-05 },
    };

    [Theory]
    [MemberData(nameof(ChiSquareCases))]
    public void ChiSquareMatchesScipyWithEvidentlysExpectedCounts(string name, long[] reference, long[] current, double statistic, double pValue)
    {
        var result = CategoryTests.ChiSquare(reference, current);
        Near(statistic, result.Statistic, name + " statistic");
        Near(pValue, result.PValue, name + " p-value");
    }

    [Fact]
    public void ChiSquareCountsOfTheGeneratedSamplesAreTheOnesInTheReferenceScript()
    {
        // Guards the pasted counts: they are what SampleGenerator(2) draws, in this order.
        var g = new SampleGenerator(2);
        Assert.Equal([277L, 162, 114, 47], Count(g.Categories(600, 5, 3, 2, 1), 4));
        Assert.Equal([155L, 121, 142, 32], Count(g.Categories(450, 4, 3, 3, 1), 4));
    }

    public static TheoryData<long, long, long, long, double, double> ZCases => new()
    {
        // Section "two-proportion Z": Evidently's pooled z and 2·(1 − Φ(|z|)).
        { 120, 400, 150, 420, -1.7404449514847145, 0.08178091821317213 },
        { 500, 1000, 505, 1000, -0.22360959288736, 0.8230610986255988 },
        { 10, 900, 60, 800, -6.617184167186502, 3.661049241543424e-11 },
        { 0, 300, 4, 200, -2.459346884189824, 0.01391900567833182 },
    };

    [Theory]
    [MemberData(nameof(ZCases))]
    public void TwoProportionZMatchesEvidently(long refHits, long refTotal, long curHits, long curTotal, double z, double pValue)
    {
        var result = CategoryTests.TwoProportionZ(refHits, refTotal, curHits, curTotal);
        Near(z, result.Statistic, "z");
        Near(pValue, result.PValue, "p-value");
    }

    [Fact]
    public void TwoProportionZIsOneWhenBothWindowsHoldTheSameSingleValue()
    {
        Assert.Equal(1.0, CategoryTests.TwoProportionZ(0, 50, 0, 70).PValue);
        Assert.Equal(1.0, CategoryTests.TwoProportionZ(50, 50, 70, 70).PValue);
    }

    // Section "distances": (wasserstein, wasserstein / max(std(ref), 0.001), jensenshannon, psi, std(ref)).
    private static readonly Dictionary<string, (double W, double WNormed, double Js, double Psi, double Std)> Distances = new()
    {
        ["Shifted"] = (0.8456701090150206, 0.4205487166801369, 0.14938287466855518, 0.19137804056649843, 2.0108731176041723),
        ["Same"] = (0.032211434493481135, 0.032328812713726854, 0.029021361433515504, 0.0067493229003146886, 0.9963692381379697),
        ["Ties"] = (0.4868472222222222, 0.17062091442521063, 0.18962123026475194, 0.6877041839690546, 2.8533853769470046),
        ["FewValues"] = (0.9821666666666665, 0.5703997406126518, 0.3026286721929745, 1.7593838357914882, 1.7218918536178618),
        ["PowerOfTwoPool"] = (0.5424414267162412, 0.5476272356452683, 0.19303528766934855, 0.3194166707921159, 0.9905304035455493),
        ["ConstantReference"] = (0.41222239937370464, 412.2223993737046, 0.8325546111576978, 11.173894010677838, 0.0),
    };

    private static IEnumerable<(string Name, double[] Reference, double[] Current)> DistanceSamples()
    {
        var g = new SampleGenerator(3);
        yield return ("Shifted", g.Normals(3000, 10, 2), g.Normals(2500, 10.8, 2.2));
        yield return ("Same", g.Normals(4000, 0, 1), g.Normals(3500, 0, 1));
        yield return ("Ties", g.Steps(2000, 40, 0.25), g.Steps(1800, 36, 0.25));
        yield return ("FewValues", g.Steps(1500, 6, 1.0), g.Steps(1200, 8, 1.0));
        yield return ("PowerOfTwoPool", g.Normals(1024, 0, 1), g.Normals(1024, 0.5, 1));
        yield return ("ConstantReference", Enumerable.Repeat(3.0, 1200).ToArray(), g.Normals(1100, 3.0, 0.5));
    }

    [Fact]
    public void DistancesMatchScipyAndEvidentlyOnNumericSamples()
    {
        foreach (var (name, reference, current) in DistanceSamples())
        {
            var expected = Distances[name];
            var a = reference.Order().ToArray();
            var b = current.Order().ToArray();
            Near(expected.W, DistanceMeasures.Wasserstein(a, b), name + " wasserstein");
            Near(expected.WNormed, DistanceMeasures.WassersteinNormed(a, b), name + " wasserstein normed");
            Near(expected.Std, DistanceMeasures.PopulationStd(a), name + " std");
            var shares = DistributionBinning.NumericShares(a, b);
            Near(expected.Js, DistanceMeasures.JensenShannon(shares.Reference, shares.Current), name + " jensen-shannon");
            var (r, c) = (shares.Reference.ToArray(), shares.Current.ToArray());
            DistributionBinning.FillEmptyBins(r);
            DistributionBinning.FillEmptyBins(c);
            Near(expected.Psi, DistanceMeasures.PopulationStabilityIndex(r, c), name + " psi");
        }
    }

    public static TheoryData<string, long[], long[], double, double> CategoryDistanceCases => new()
    {
        // Section "categorical JS / PSI": shares by category; PSI fills empty categories, JS does not.
        { "Categories", [400, 300, 200, 100], [300, 300, 250, 150], 0.08655851567720987, 0.060198640216296805 },
        { "WithEmpty", [500, 0, 300, 200], [450, 50, 0, 500], 0.39391130042207073, 2.9913738229947135 },
    };

    [Theory]
    [MemberData(nameof(CategoryDistanceCases))]
    public void DistancesMatchScipyOnCategoryCounts(string name, long[] reference, long[] current, double js, double psi)
    {
        var r = DistributionBinning.ToShares(reference, reference.Sum());
        var c = DistributionBinning.ToShares(current, current.Sum());
        Near(js, DistanceMeasures.JensenShannon(r, c), name + " jensen-shannon");
        DistributionBinning.FillEmptyBins(r);
        DistributionBinning.FillEmptyBins(c);
        Near(psi, DistanceMeasures.PopulationStabilityIndex(r, c), name + " psi");
    }

    [Fact]
    public void SturgesBinsFollowNumpyForAPowerOfTwoPool()
    {
        // 2048 values: log2 = 11 exactly, so Sturges asks for 12 bins and numpy's ceil must not round up to 13.
        var edges = DistributionBinning.SturgesEdges(-1, 1, 2048);
        Assert.Equal(13, edges.Length);
        Assert.Equal(-1, edges[0]);
        Assert.Equal(1, edges[^1]);
    }

    private static long[] Count(int[] values, int categories)
    {
        var counts = new long[categories];
        foreach (var v in values) counts[v]++;
        return counts;
    }
}
