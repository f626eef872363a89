using SwarmAgentBot.Ml.Drift;

namespace SwarmAgentBot.Ml.Tests.Drift;

public sealed class DriftDetectorTests
{
    private static readonly DriftDetector Detector = new(new DriftOptions());

    private static DriftTable Table(params DriftColumn[] columns) => new(columns);

    private static string?[] Labels(SampleGenerator g, int n, string[] names, params double[] weights) =>
        g.Categories(n, weights).Select(i => (string?)names[i]).ToArray();

    [Theory]
    [InlineData(DriftColumnKind.Numeric, 1000, 6, DriftMethod.KolmogorovSmirnov)]
    [InlineData(DriftColumnKind.Numeric, 1000, 5, DriftMethod.ChiSquare)]
    [InlineData(DriftColumnKind.Numeric, 1000, 2, DriftMethod.ZTest)]
    [InlineData(DriftColumnKind.Categorical, 1000, 40, DriftMethod.ChiSquare)]
    [InlineData(DriftColumnKind.Categorical, 200, 2, DriftMethod.ZTest)]
    [InlineData(DriftColumnKind.Numeric, 1001, 6, DriftMethod.Wasserstein)]
    [InlineData(DriftColumnKind.Numeric, 1001, 5, DriftMethod.JensenShannon)]
    [InlineData(DriftColumnKind.Categorical, 1001, 2, DriftMethod.JensenShannon)]
    public void ItChoosesEvidentlysDefaultMethod(DriftColumnKind kind, int referenceValues, int distinct, DriftMethod expected) =>
        Assert.Equal(expected, DriftMethods.Choose(kind, referenceValues, distinct));

    [Fact]
    public void ItTestsASmallReferenceWithPValuesAndALargeOneWithDistances()
    {
        var g = new SampleGenerator(11);
        string[] colours = ["red", "green", "blue"];
        var small = Detector.Compare(
            Table(DriftColumn.Numeric("x", g.Normals(500, 0, 1)), DriftColumn.Categorical("colour", Labels(g, 500, colours, 1, 1, 1)),
                  DriftColumn.Numeric("flag", g.Steps(500, 2, 1))),
            Table(DriftColumn.Numeric("x", g.Normals(400, 0, 1)), DriftColumn.Categorical("colour", Labels(g, 400, colours, 1, 1, 1)),
                  DriftColumn.Numeric("flag", g.Steps(400, 2, 1))));
        Assert.Equal([DriftMethod.KolmogorovSmirnov, DriftMethod.ChiSquare, DriftMethod.ZTest], small.Columns.Select(c => c.Method!.Value));
        Assert.All(small.Columns, c => Assert.NotNull(c.PValue));
        Assert.All(small.Columns, c => Assert.Equal(0.05, c.Threshold));

        var large = Detector.Compare(
            Table(DriftColumn.Numeric("x", g.Normals(3000, 0, 1)), DriftColumn.Categorical("colour", Labels(g, 3000, colours, 1, 1, 1))),
            Table(DriftColumn.Numeric("x", g.Normals(2000, 0, 1)), DriftColumn.Categorical("colour", Labels(g, 2000, colours, 1, 1, 1))));
        Assert.Equal([DriftMethod.Wasserstein, DriftMethod.JensenShannon], large.Columns.Select(c => c.Method!.Value));
        Assert.All(large.Columns, c => Assert.Null(c.PValue));
        Assert.All(large.Columns, c => Assert.Equal(0.1, c.Threshold));
        Assert.All(large.Columns, c => Assert.False(c.Drifted));
    }

    [Fact]
    public void ItDetectsAShiftAndSaysHowTheColumnMoved()
    {
        var g = new SampleGenerator(12);
        var report = Detector.Compare(
            Table(DriftColumn.Numeric("income", g.Normals(800, 50, 10))),
            Table(DriftColumn.Numeric("income", g.Normals(600, 58, 10))));
        var income = report.Columns.Single();
        Assert.True(income.Drifted);
        Assert.True(income.PValue < 1e-10);
        Assert.InRange(income.Numeric!.MeanShiftInReferenceStd, 0.6, 1.0);
        Assert.True(income.Numeric.CurrentMedian > income.Numeric.ReferenceMedian + 5);
        Assert.Equal([0.05, 0.25, 0.75, 0.95], income.Numeric.Quantiles.Select(q => q.Probability));
    }

    [Fact]
    public void ItUsesTheConfiguredMethodAndThresholdForAColumn()
    {
        var options = new DriftOptions();
        options.Columns["x"] = new ColumnDriftOptions { Method = "psi", Threshold = 0.5 };
        var g = new SampleGenerator(13);
        var reference = Table(DriftColumn.Numeric("x", g.Normals(500, 0, 1)));
        var current = Table(DriftColumn.Numeric("x", g.Normals(500, 0.4, 1)));
        var x = new DriftDetector(options).Compare(reference, current).Columns.Single();
        Assert.Equal(DriftMethod.Psi, x.Method);
        Assert.Equal(0.5, x.Threshold);
        Assert.Equal(x.Distance, x.Statistic);
        // PSI of a 0.4 std shift is about 0.16: drift at Evidently's 0.1, not at the configured 0.5.
        Assert.InRange(x.Distance!.Value, 0.1, 0.5);
        Assert.False(x.Drifted);
    }

    [Fact]
    public void ItRejectsOptionsThatNameAnUnknownMethod()
    {
        var options = new DriftOptions();
        options.Columns["x"] = new ColumnDriftOptions { Method = "t-test" };
        var error = Assert.Throws<ArgumentException>(() => new DriftDetector(options));
        Assert.Contains("Swarm:Drift:Columns:x:Method", error.Message);
    }

    [Fact]
    public void ItReportsAMethodThatCannotTestLabels()
    {
        var options = new DriftOptions();
        options.Columns["city"] = new ColumnDriftOptions { Method = "ks" };
        var g = new SampleGenerator(14);
        string[] cities = ["Oslo", "Lima"];
        var city = new DriftDetector(options).Compare(
            Table(DriftColumn.Categorical("city", Labels(g, 100, cities, 1, 1))),
            Table(DriftColumn.Categorical("city", Labels(g, 100, cities, 1, 1)))).Columns.Single();
        Assert.Equal(ColumnDriftStatus.MethodNotApplicable, city.Status);
        Assert.Null(city.Drifted);
        Assert.Contains("needs numbers", city.Note);
    }

    [Fact]
    public void ItFlagsTheDatasetWhenHalfTheColumnsDriftAndWeighsThemByImportance()
    {
        var g = new SampleGenerator(15);
        var reference = Table(
            DriftColumn.Numeric("a", g.Normals(500, 0, 1)), DriftColumn.Numeric("b", g.Normals(500, 0, 1)),
            DriftColumn.Numeric("c", g.Normals(500, 0, 1)), DriftColumn.Numeric("d", g.Normals(500, 0, 1)));
        var current = Table(
            DriftColumn.Numeric("a", g.Normals(500, 1, 1)), DriftColumn.Numeric("b", g.Normals(500, 0, 1)),
            DriftColumn.Numeric("c", g.Normals(500, 0, 3)), DriftColumn.Numeric("d", g.Normals(500, 0, 1)));
        var importance = new Dictionary<string, double> { ["a"] = 0.1, ["b"] = 0.6, ["c"] = 0.1, ["d"] = 0.2 };
        var report = Detector.Compare(reference, current, new DriftRequest { FeatureImportance = importance });

        Assert.Equal(["a", "c"], report.Columns.Where(c => c.Drifted == true).Select(c => c.Column));
        Assert.Equal(4, report.Dataset.ColumnsTested);
        Assert.Equal(2, report.Dataset.ColumnsDrifted);
        Assert.Equal(0.5, report.Dataset.DriftShare);
        Assert.True(report.Dataset.Drifted);
        Assert.Equal(0.2, report.Dataset.WeightedDriftShare!.Value, 12);
        Assert.False(report.Dataset.WeightedDrifted);
    }

    [Fact]
    public void ItWarnsAboutColumnsWithoutAnImportance()
    {
        var g = new SampleGenerator(16);
        var report = Detector.Compare(
            Table(DriftColumn.Numeric("a", g.Normals(100, 0, 1)), DriftColumn.Numeric("b", g.Normals(100, 0, 1))),
            Table(DriftColumn.Numeric("a", g.Normals(100, 3, 1)), DriftColumn.Numeric("b", g.Normals(100, 0, 1))),
            new DriftRequest { FeatureImportance = new Dictionary<string, double> { ["a"] = 2 } });
        Assert.Equal(1.0, report.Dataset.WeightedDriftShare);
        Assert.Contains(report.Warnings, w => w.Contains("No feature importance for b"));
    }

    [Fact]
    public void ItDoesNotDecideOnAWindowWithTooFewRows()
    {
        var g = new SampleGenerator(17);
        var report = Detector.Compare(
            Table(DriftColumn.Numeric("a", g.Normals(500, 0, 1))),
            Table(DriftColumn.Numeric("a", g.Normals(12, 5, 1))));
        Assert.Null(report.Dataset.Drifted);
        Assert.Null(report.Dataset.DriftShare);
        Assert.Equal(ColumnDriftStatus.NotEnoughValues, report.Columns.Single().Status);
        Assert.Null(report.Columns.Single().Drifted);
        Assert.Equal(12, report.Columns.Single().CurrentValues);
        Assert.Contains(report.Warnings, w => w.Contains("current window has 12 rows") && w.Contains("MinRows"));
    }

    [Fact]
    public void ItDoesNotDecideAColumnWithTooFewValues()
    {
        var g = new SampleGenerator(18);
        var sparse = g.Normals(200, 0, 1);
        for (var i = 10; i < sparse.Length; i++) sparse[i] = double.NaN;
        var report = Detector.Compare(
            Table(DriftColumn.Numeric("a", g.Normals(200, 0, 1)), DriftColumn.Numeric("sparse", g.Normals(200, 0, 1))),
            Table(DriftColumn.Numeric("a", g.Normals(200, 0, 1)), DriftColumn.Numeric("sparse", sparse)));
        var column = report.Columns.Single(c => c.Column == "sparse");
        Assert.Equal(ColumnDriftStatus.NotEnoughValues, column.Status);
        Assert.Equal(10, column.CurrentValues);
        Assert.Equal(190, column.CurrentMissing);
        Assert.Equal(1, report.Dataset.ColumnsTested);
    }

    [Fact]
    public void ItReportsAColumnMissingFromTheCurrentDataWithoutFailing()
    {
        var g = new SampleGenerator(19);
        var report = Detector.Compare(
            Table(DriftColumn.Numeric("a", g.Normals(100, 0, 1)), DriftColumn.Numeric("b", g.Normals(100, 0, 1))),
            Table(DriftColumn.Numeric("a", g.Normals(100, 0, 1)), DriftColumn.Numeric("extra", g.Normals(100, 0, 1))));
        Assert.Equal(ColumnDriftStatus.MissingInCurrent, report.Columns.Single(c => c.Column == "b").Status);
        Assert.Contains(report.Warnings, w => w.Contains("'b' is missing from the current data"));
        Assert.Contains(report.Warnings, w => w.Contains("Only in the current data, not tested: extra"));
        Assert.Equal(1, report.Dataset.ColumnsTested);
    }

    [Fact]
    public void ItReportsAnAllMissingColumn()
    {
        var g = new SampleGenerator(20);
        var empty = Enumerable.Repeat(double.NaN, 100).ToArray();
        var report = Detector.Compare(
            Table(DriftColumn.Numeric("a", g.Normals(100, 0, 1)), DriftColumn.Categorical("note", new string?[100])),
            Table(DriftColumn.Numeric("a", empty), DriftColumn.Categorical("note", new string?[100])));
        Assert.All(report.Columns, c => Assert.Equal(ColumnDriftStatus.AllMissing, c.Status));
        Assert.Contains("current window", report.Columns[0].Note);
        Assert.Contains("both windows", report.Columns[1].Note);
        Assert.Null(report.Dataset.Drifted);
        Assert.Contains(report.Warnings, w => w.Contains("No column could be tested"));
    }

    [Fact]
    public void ANewCategoryDriftsWithAnInfiniteChiSquareAndIsNamed()
    {
        var g = new SampleGenerator(21);
        string[] known = ["bus", "car", "bike"];
        var current = Labels(g, 300, known, 1, 1, 1);
        for (var i = 0; i < 3; i++) current[i] = "scooter";
        var column = Detector.Compare(
            Table(DriftColumn.Categorical("mode", Labels(g, 300, known, 1, 1, 1))),
            Table(DriftColumn.Categorical("mode", current))).Columns.Single();
        Assert.Equal(DriftMethod.ChiSquare, column.Method);
        Assert.True(double.IsPositiveInfinity(column.Statistic!.Value));
        Assert.Equal(0, column.PValue);
        Assert.True(column.Drifted);
        Assert.Equal("scooter", column.Categories!.NewCategories.Single().Category);
        Assert.Equal(0.01, column.Categories.NewCategories.Single().CurrentShare, 12);
        Assert.Contains("expected count 0", column.Note);
    }

    [Fact]
    public void AVanishedCategoryIsNamedAndBiggestChangesComeFirst()
    {
        var reference = Enumerable.Repeat("a", 50).Concat(Enumerable.Repeat("b", 30)).Concat(Enumerable.Repeat("c", 20)).ToArray<string?>();
        var current = Enumerable.Repeat("a", 80).Concat(Enumerable.Repeat("b", 20)).ToArray<string?>();
        var column = Detector.Compare(Table(DriftColumn.Categorical("k", reference)), Table(DriftColumn.Categorical("k", current))).Columns.Single();
        Assert.Equal("c", column.Categories!.VanishedCategories.Single().Category);
        Assert.Equal(["a", "c", "b"], column.Categories.BiggestChanges.Select(c => c.Category));
        Assert.Equal(0.3, column.Categories.BiggestChanges[0].Change, 12);
    }

    [Fact]
    public void AConstantReferenceColumnIsStillTested()
    {
        var g = new SampleGenerator(22);
        var small = Detector.Compare(
            Table(DriftColumn.Numeric("c", Enumerable.Repeat(2.0, 300).ToArray())),
            Table(DriftColumn.Numeric("c", g.Normals(300, 2, 0.5)))).Columns.Single();
        Assert.Equal(DriftMethod.KolmogorovSmirnov, small.Method);
        Assert.True(small.Drifted);
        Assert.Contains("constant", small.Note);

        var current = g.Normals(2000, 2, 0.5);
        var large = Detector.Compare(
            Table(DriftColumn.Numeric("c", Enumerable.Repeat(2.0, 2000).ToArray())),
            Table(DriftColumn.Numeric("c", current))).Columns.Single();
        Assert.Equal(DriftMethod.Wasserstein, large.Method);
        var plain = DistanceMeasures.Wasserstein(Enumerable.Repeat(2.0, 2000).ToArray(), current.Order().ToArray());
        Assert.Equal(plain / 0.001, large.Distance!.Value, 9);
        Assert.Contains("0.001 floor", large.Note);
    }

    [Fact]
    public void ItTestsThePredictionAndTargetColumnsApartFromTheFeatures()
    {
        var g = new SampleGenerator(23);
        var reference = Table(DriftColumn.Numeric("x", g.Normals(400, 0, 1)), DriftColumn.Numeric("score", g.Normals(400, 0.3, 0.1)), DriftColumn.Numeric("label", g.Steps(400, 2, 1)));
        var current = Table(DriftColumn.Numeric("x", g.Normals(400, 0, 1)), DriftColumn.Numeric("score", g.Normals(400, 0.6, 0.1)), DriftColumn.Numeric("label", g.Steps(400, 2, 1)));
        var report = Detector.Compare(reference, current, new DriftRequest { Prediction = "score", Target = "label" });
        Assert.Equal(["x"], report.Columns.Select(c => c.Column));
        Assert.True(report.Prediction!.Drifted);
        Assert.Equal("score", report.Prediction.Column);
        Assert.Equal(DriftMethod.ZTest, report.Target!.Method);
    }

    [Fact]
    public void ItLeavesIgnoredColumnsOut()
    {
        var g = new SampleGenerator(24);
        var report = Detector.Compare(
            Table(DriftColumn.Numeric("id", Enumerable.Range(0, 100).Select(i => (double)i).ToArray()), DriftColumn.Numeric("x", g.Normals(100, 0, 1))),
            Table(DriftColumn.Numeric("id", Enumerable.Range(100, 100).Select(i => (double)i).ToArray()), DriftColumn.Numeric("x", g.Normals(100, 0, 1))),
            new DriftRequest { Ignore = ["id"] });
        Assert.Equal(["x"], report.Columns.Select(c => c.Column));
    }

    [Fact]
    public void ItWarnsAboutAModelColumnInNeitherWindow()
    {
        var g = new SampleGenerator(25);
        var report = Detector.Compare(
            Table(DriftColumn.Numeric("x", g.Normals(100, 0, 1))),
            Table(DriftColumn.Numeric("x", g.Normals(100, 0, 1))),
            new DriftRequest { Target = "label", Probability = "proba" });
        Assert.Contains("Column 'label' is in neither window.", report.Warnings);
        Assert.Contains("Column 'proba' is in neither window.", report.Warnings);
        Assert.Null(report.Performance);
        Assert.Null(report.Target);
    }
}
