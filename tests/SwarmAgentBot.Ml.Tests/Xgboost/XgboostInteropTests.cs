using SwarmAgentBot.Ml.Xgboost;

namespace SwarmAgentBot.Ml.Tests.Xgboost;

public sealed class XgboostInteropTests
{
    // Reference figures from Debian's python xgboost 1.7.4 (/usr/bin/python3 Xgboost/make_reference_model.py):
    // the script trains on the same formula-generated data and saves reference_model.json; these are its
    // predictions for rows 0, 1, 2, 3, 11, 50, 77, 199.
    private static readonly int[] ReferenceRows = [0, 1, 2, 3, 11, 50, 77, 199];
    private static readonly float[] PythonPredictions =
        [0.030376356095075607f, 0.013775099068880081f, 0.988366425037384f, 0.013775099068880081f, 0.988366425037384f, 0.970313310623169f, 0.988366425037384f, 0.988366425037384f];

    private static readonly Dictionary<string, string> ReferenceParameters = new()
    {
        ["objective"] = "binary:logistic", ["tree_method"] = "hist", ["max_depth"] = "4", ["eta"] = "0.5",
        ["nthread"] = "1", ["seed"] = "0", ["base_score"] = "0.5",
    };

    /// <summary>The same data as make_reference_model.py: value (i·7 + j·13) mod 17 / 4 − 2, every 11th row missing column 1.</summary>
    private static (float[] X, float[] Y) ReferenceData(int n = 200, int p = 3)
    {
        var x = new float[n * p];
        var y = new float[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < p; j++) x[i * p + j] = ((i * 7 + j * 13) % 17) / 4.0f - 2.0f;
            if (i % 11 == 0) x[i * p + 1] = float.NaN;
            var x1 = float.IsNaN(x[i * p + 1]) ? 0 : x[i * p + 1];
            y[i] = x[i * p] + 0.5f * x1 - 0.25f * x[i * p + 2] > 0 ? 1 : 0;
        }
        return (x, y);
    }

    private static float[] Rows(float[] x, int[] rows, int p = 3) => rows.SelectMany(r => x.Skip(r * p).Take(p)).ToArray();

    private static Booster TrainReference()
    {
        var (x, y) = ReferenceData();
        using var train = DMatrix.FromDense(x, 200, 3, threads: 1);
        train.SetLabels(y);
        var booster = Booster.Create(ReferenceParameters, train);
        for (var i = 0; i < 8; i++) booster.UpdateOneIteration(i, train);
        return booster;
    }

    [Fact]
    public void ItPredictsWhatPythonXgboostPredictsFromTheSameModelFile()
    {
        var (x, _) = ReferenceData();
        using var booster = Booster.Load(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Xgboost", "reference_model.json")));
        using var matrix = DMatrix.FromDense(Rows(x, ReferenceRows), ReferenceRows.Length, 3);
        var predictions = booster.Predict(matrix);
        Assert.Equal(PythonPredictions.Length, predictions.Length);
        for (var i = 0; i < predictions.Length; i++) Assert.Equal(PythonPredictions[i], predictions[i], 6);
    }

    [Fact]
    public void ItTrainsTheSameModelAsPythonXgboostWithTheSameParameters()
    {
        var (x, _) = ReferenceData();
        using var booster = TrainReference();
        using var matrix = DMatrix.FromDense(Rows(x, ReferenceRows), ReferenceRows.Length, 3);
        var predictions = booster.Predict(matrix);
        for (var i = 0; i < predictions.Length; i++) Assert.Equal(PythonPredictions[i], predictions[i], 5);
        Assert.Equal(8, booster.BoostedRounds);
        Assert.Equal(3, booster.FeatureCount);
    }

    [Fact]
    public void ItSurfacesXgboostsOwnMessageForAnUnknownObjective()
    {
        var (x, y) = ReferenceData();
        using var train = DMatrix.FromDense(x, 200, 3);
        train.SetLabels(y);
        using var booster = Booster.Create(new Dictionary<string, string> { ["objective"] = "binary:no_such_thing" }, train);
        var error = Assert.Throws<XgboostException>(() => booster.UpdateOneIteration(0, train));
        Assert.Contains("binary:no_such_thing", error.NativeMessage);
        Assert.Contains("XGBoosterUpdateOneIter", error.Message);
    }

    [Fact]
    public void ItSurfacesXgboostsMessageWhenLabelsDoNotMatchTheRows()
    {
        var (x, _) = ReferenceData();
        using var train = DMatrix.FromDense(x, 200, 3);
        Assert.Throws<ArgumentException>(() => train.SetLabels(new float[5]));
    }

    [Fact]
    public void ItRejectsAModelBufferThatIsNotAModelWithXgboostsMessage()
    {
        var error = Assert.Throws<XgboostException>(() => Booster.Load("{\"not\": \"a model\"}"u8));
        Assert.False(string.IsNullOrWhiteSpace(error.NativeMessage));
        Assert.Equal("XGBoosterLoadModelFromBuffer", error.Operation);
    }

    [Fact]
    public void ASavedAndReloadedModelPredictsIdentically()
    {
        var (x, _) = ReferenceData();
        using var booster = TrainReference();
        using var matrix = DMatrix.FromDense(x, 200, 3);
        var before = booster.Predict(matrix);
        var json = booster.SaveModel("json");
        Assert.StartsWith("{", System.Text.Encoding.UTF8.GetString(json, 0, 1));
        using var reloaded = Booster.Load(json);
        Assert.Equal(before, reloaded.Predict(matrix));

        var path = Path.Combine(Path.GetTempPath(), $"xgb-{Guid.NewGuid():N}.json");
        try
        {
            booster.SaveModelFile(path);
            using var fromFile = Booster.LoadFile(path);
            Assert.Equal(before, fromFile.Predict(matrix));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TheInPlaceScorerAgreesWithMatrixPrediction()
    {
        var (x, _) = ReferenceData();
        using var booster = TrainReference();
        using var matrix = DMatrix.FromDense(x, 200, 3);
        var expected = booster.Predict(matrix);
        using var scorer = new DenseScorer(booster, 3, maxRows: 2);
        for (var r = 0; r < 200; r += 37)
        {
            x.AsSpan(r * 3, 3).CopyTo(scorer.Input);
            Assert.Equal(expected[r], scorer.Score(1)[0]);
        }
    }

    [Fact]
    public void GainImportanceNamesTheFeaturesTheTreesSplitOn()
    {
        using var booster = TrainReference();
        var gain = booster.FeatureScores("total_gain", ["a", "b", "c"]);
        Assert.True(gain["a"] > 0);
        Assert.True(gain["a"] > gain.GetValueOrDefault("c"));
        Assert.All(gain.Keys, k => Assert.Contains(k, new[] { "a", "b", "c" }));
    }

    [Fact]
    public void PredictingOnlyTheFirstRoundsDiffersFromTheFullModel()
    {
        var (x, _) = ReferenceData();
        using var booster = TrainReference();
        using var matrix = DMatrix.FromDense(x, 200, 3);
        using var firstTwo = booster.Slice(0, 2);
        Assert.Equal(2, firstTwo.BoostedRounds);
        Assert.Equal(firstTwo.Predict(matrix), booster.Predict(matrix, iterationEnd: 2));
        Assert.NotEqual(booster.Predict(matrix), booster.Predict(matrix, iterationEnd: 2));
    }
}
