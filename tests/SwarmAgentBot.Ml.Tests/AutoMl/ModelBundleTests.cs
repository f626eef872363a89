using SwarmAgentBot.Ml.AutoMl;
using SwarmAgentBot.Ml.Preparation;
using SwarmAgentBot.Ml.Tabular;
using SwarmAgentBot.Ml.Xgboost;

namespace SwarmAgentBot.Ml.Tests.AutoMl;

public sealed class ModelBundleTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "bundle-tests-" + Guid.NewGuid().ToString("N"));
    private ModelBundle _binary = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var result = await new AutoMlTrainer().TrainAsync(Synthetic.Churn(600), new AutoMlOptions { Target = "churn", Metric = "f1", MaxTrials = 4, Threads = 1, TimeBudget = TimeSpan.FromSeconds(30) });
        _binary = result.Bundle;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    private static Dictionary<string, object?> Record(int tenure, string plan) => new()
    {
        ["tenure"] = tenure, ["charges"] = 42.0, ["plan"] = plan, ["city"] = "city4", ["paperless"] = "No", ["signup"] = "2021-05-06",
    };

    [Fact]
    public async Task AFolderBundleLoadsBackAndPredictsIdentically()
    {
        var path = Path.Combine(_dir, "folder");
        await _binary.SaveAsync(path);
        Assert.True(File.Exists(Path.Combine(path, ModelBundle.ModelFile)));
        Assert.True(File.Exists(Path.Combine(path, ModelBundle.PreparationFile)));
        var loaded = await ModelBundle.LoadAsync(path);
        Assert.Equal(_binary.ModelId, loaded.ModelId);
        Assert.Equal(_binary.TestMetrics, loaded.TestMetrics);
        Assert.Equal(_binary.Leaderboard.Count, loaded.Leaderboard.Count);
        Assert.Equal(_binary.DecisionRule.Threshold, loaded.DecisionRule.Threshold);
        Assert.Equal(_binary.DatasetSha256, loaded.DatasetSha256);
        Assert.Equal(_binary.Config.Seed, loaded.Seed);

        var table = Synthetic.Churn(80, seed: 5);
        using var before = Predictor.Create(_binary);
        using var after = Predictor.Create(loaded);
        var a = before.PredictTable(table);
        var b = after.PredictTable(table);
        Assert.Equal(a.Select(p => p.Label), b.Select(p => p.Label));
        Assert.Equal(a.Select(p => p.Probabilities![1]), b.Select(p => p.Probabilities![1]));
    }

    [Fact]
    public async Task AZipBundleLoadsBackAndPredictsIdentically()
    {
        var path = Path.Combine(_dir, "model.zip");
        await using (var file = File.Create(path)) await _binary.SaveAsync(file);
        using var predictor = await Predictor.LoadAsync(path);
        using var original = Predictor.Create(_binary);
        var record = Record(3, "basic");
        Assert.Equal(original.Predict(record), predictor.Predict(record), PredictionComparer.Instance);
    }

    [Fact]
    public async Task SavingOverAnExistingBundleIsRefused()
    {
        var path = Path.Combine(_dir, "twice");
        await _binary.SaveAsync(path);
        await Assert.ThrowsAsync<IOException>(() => _binary.SaveAsync(path));
        Assert.Single(Directory.GetDirectories(_dir), d => d.EndsWith("twice"));
    }

    [Fact]
    public async Task SomethingElseIsNotABundle()
    {
        var path = Path.Combine(_dir, "not-a-bundle");
        Directory.CreateDirectory(path);
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ModelBundle.LoadAsync(path));
        Assert.Contains("model.json is missing", error.Message);
        await Assert.ThrowsAsync<FileNotFoundException>(() => ModelBundle.LoadAsync(Path.Combine(_dir, "nothing-here")));
    }

    [Fact]
    public void ASingleRecordPredictsLikeTheSameRowInATable()
    {
        using var predictor = Predictor.Create(_binary);
        var table = CsvTable.ParseText("tenure,charges,plan,city,paperless,signup\n3,42,basic,city4,No,2021-05-06\n");
        var fromTable = predictor.PredictTable(table)[0];
        var fromRecord = predictor.Predict(Record(3, "basic"));
        Assert.Equal(fromTable, fromRecord, PredictionComparer.Instance);
        Assert.Equal(1.0, fromRecord.Probabilities!.Sum(), 6);
        Assert.Contains(fromRecord.Label, _binary.ClassLabels);
        Assert.Null(fromRecord.Value);
    }

    [Fact]
    public void LongTenureOnAPremiumPlanIsLessLikelyToChurn()
    {
        using var predictor = Predictor.Create(_binary);
        var risky = predictor.Predict(Record(1, "basic")).Probabilities![1];
        var safe = predictor.Predict(Record(70, "pro")).Probabilities![1];
        Assert.True(risky > safe, $"risky {risky} vs safe {safe}");
    }

    [Fact]
    public void AMissingFieldIsNamedInTheError()
    {
        using var predictor = Predictor.Create(_binary);
        var record = Record(3, "basic");
        record.Remove("plan");
        var error = Assert.Throws<RecordValidationException>(() => predictor.Predict(record));
        Assert.Equal("plan", error.Field);
    }

    [Fact]
    public async Task PredictionsAreWrittenAsCsvWithAProbabilityPerClass()
    {
        using var predictor = Predictor.Create(_binary);
        var table = Synthetic.Churn(5, seed: 6);
        var writer = new StringWriter();
        await predictor.WriteCsvAsync(predictor.PredictTable(table), writer);
        var output = CsvTable.ParseText(writer.ToString());
        Assert.Equal(["prediction", "proba_no", "proba_yes"], output.ColumnNames);
        Assert.Equal(5, output.RowCount);
    }

    [Fact]
    public async Task ALinearWinnerIsServedToo()
    {
        var result = await new AutoMlTrainer().TrainAsync(Synthetic.Regression(200), new AutoMlOptions { Target = "y", Learners = [LearnerNames.Linear], MaxTrials = 2, TimeBudget = TimeSpan.FromSeconds(30) });
        using var predictor = Predictor.Create(result.Bundle);
        var value = predictor.Predict(new Dictionary<string, object?> { ["a"] = 5, ["b"] = 1, ["kind"] = "z" }).Value!.Value;
        // y = 3·5 − 2·1 + 5 + noise(0..1) ≈ 18.5
        Assert.InRange(value, 15, 22);
    }

    [Fact]
    public async Task AnEnsembleBundleAveragesItsMembersAndSurvivesARoundTrip()
    {
        var data = Synthetic.Churn(400);
        var tree = (await new AutoMlTrainer().TrainAsync(data, new AutoMlOptions { Target = "churn", Learners = [LearnerNames.Tree], MaxTrials = 1, TestFraction = 0, TimeBudget = TimeSpan.FromSeconds(30) })).Bundle;
        var linear = (await new AutoMlTrainer().TrainAsync(data, new AutoMlOptions { Target = "churn", Learners = [LearnerNames.Linear], MaxTrials = 1, TestFraction = 0, TimeBudget = TimeSpan.FromSeconds(30) })).Bundle;
        // Same data, options and seed: both runs fit the same preparation, so their models read the same features.
        Assert.Equal(tree.Preparation.ToJson(), linear.Preparation.ToJson());
        var ensemble = new ModelBundle
        {
            ModelId = "m-ensemble", CreatedAt = DateTimeOffset.UtcNow, Task = tree.Task, Target = tree.Target, Metric = tree.Metric,
            Learner = "ensemble", Parameters = tree.Parameters, Rounds = tree.Rounds, ModelJson = tree.ModelJson, Preparation = tree.Preparation,
            // Each run's model may itself average its fold models: every member keeps its share of its run's weight.
            Members = [.. tree.AllMembers.Select(m => m with { Weight = 0.75 * m.Weight }), .. linear.AllMembers.Select(m => m with { Weight = 0.25 * m.Weight })],
            Config = tree.Config, DatasetSha256 = tree.DatasetSha256,
        };
        var path = Path.Combine(_dir, "ensemble");
        await ensemble.SaveAsync(path);
        Assert.True(File.Exists(Path.Combine(path, "model-1.json")));
        using var loaded = await Predictor.LoadAsync(path);
        Assert.Equal(tree.AllMembers.Count + linear.AllMembers.Count, loaded.Bundle.AllMembers.Count);
        using var treeOnly = Predictor.Create(tree);
        using var linearOnly = Predictor.Create(linear);
        var record = Record(5, "basic");
        var expected = 0.75 * treeOnly.Predict(record).Probabilities![1] + 0.25 * linearOnly.Predict(record).Probabilities![1];
        Assert.Equal(expected, loaded.Predict(record).Probabilities![1], 5);
        var table = Synthetic.Churn(20, seed: 8);
        var batch = loaded.PredictTable(table).Select(p => Math.Round(p.Probabilities![1], 5));
        var oneByOne = Enumerable.Range(0, table.RowCount).Select(r => Math.Round(loaded.Predict(RowRecord(table, r)).Probabilities![1], 5));
        Assert.Equal(batch, oneByOne);

        // Serving's predictor: every member in managed code, a large batch split across the cores, same numbers as small batches.
        using var serving = Predictor.Create(ensemble, batchThreads: 1);
        Assert.Equal(ensemble.AllMembers.Count, serving.ManagedMembers);
        var features = ensemble.Preparation.Transform(Synthetic.Churn(5000, seed: 9));
        var large = serving.PredictPrepared(features.Values, features.Rows);
        var small = Enumerable.Range(0, 5).SelectMany(c => serving.PredictPrepared(features.Values.AsSpan(c * 1000 * features.Columns, 1000 * features.Columns), 1000));
        Assert.Equal(small, large, PredictionComparer.Instance);
    }

    public static TheoryData<string> Tasks => new() { "binary", "multiclass", "regression" };

    [Theory]
    [MemberData(nameof(Tasks))]
    public async Task ManagedScoringPredictsWhatXgboostPredicts(string task)
    {
        var bundle = task switch
        {
            // The class fixture's bundle is bagged: one tree model per validation fold.
            "binary" => _binary,
            "multiclass" => (await new AutoMlTrainer().TrainAsync(Synthetic.ThreeClasses(300), new AutoMlOptions { Target = "species", MaxTrials = 3, Threads = 1, TimeBudget = TimeSpan.FromSeconds(30) })).Bundle,
            _ => (await new AutoMlTrainer().TrainAsync(Synthetic.Regression(300), new AutoMlOptions { Target = "y", MaxTrials = 3, Threads = 1, Learners = [LearnerNames.Tree, LearnerNames.Forest], TimeBudget = TimeSpan.FromSeconds(30) })).Bundle,
        };
        using var managed = Predictor.Create(bundle, batchThreads: 1);
        using var xgboost = Predictor.Create(bundle, batchThreads: 1, managedScoring: false);
        Assert.Equal(bundle.AllMembers.Count, managed.ManagedMembers);
        Assert.Equal(0, xgboost.ManagedMembers);
        if (task == "binary") Assert.True(bundle.AllMembers.Count > 1, "the fixture's bundle bags its fold models");

        var table = task switch { "binary" => Synthetic.Churn(300, seed: 11), "multiclass" => Synthetic.ThreeClasses(300, seed: 11), _ => Synthetic.Regression(300, seed: 11) };
        var features = bundle.Preparation.Transform(table);
        // Missing values in every column, some rows wholly missing.
        var random = new Random(12);
        for (var i = 0; i < features.Values.Length; i++)
            if (random.Next(6) == 0 || i / features.Columns % 50 == 0) features.Values[i] = float.NaN;
        var expected = xgboost.PredictPrepared(features.Values, features.Rows);
        AssertClose(expected, managed.PredictPrepared(features.Values, features.Rows));
        var single = Enumerable.Range(0, features.Rows).Select(r => managed.PredictPrepared(features.Values.AsSpan(r * features.Columns, features.Columns), 1)[0]).ToArray();
        AssertClose(expected, single);
        AssertClose(xgboost.PredictTable(table).ToArray(), managed.PredictTable(table).ToArray());
    }

    [Fact]
    public void AMemberTheManagedScorerRefusesIsScoredByXgboost()
    {
        // A dart model (which weighs its trees) in place of the bundle's: the tree scorer refuses it at load.
        var features = _binary.Preparation.Transform(Synthetic.Churn(200, seed: 4));
        using var train = DMatrix.FromDense(features.Values, features.Rows, features.Columns, threads: 1);
        train.SetLabels(Enumerable.Range(0, features.Rows).Select(r => (float)(r % 3 == 0 ? 1 : 0)).ToArray());
        using var dart = Booster.Create(new Dictionary<string, string> { ["booster"] = "dart", ["objective"] = "binary:logistic", ["rate_drop"] = "0.3", ["nthread"] = "1", ["seed"] = "1" }, train);
        for (var i = 0; i < 8; i++) dart.UpdateOneIteration(i, train);
        var bundle = new ModelBundle
        {
            ModelId = "m-dart", CreatedAt = DateTimeOffset.UtcNow, Task = _binary.Task, Target = _binary.Target, Metric = _binary.Metric,
            Learner = LearnerNames.Tree, Parameters = _binary.Parameters, Rounds = 8, ModelJson = dart.SaveModel(), Preparation = _binary.Preparation,
            Config = _binary.Config, DatasetSha256 = _binary.DatasetSha256,
        };
        using var predictor = Predictor.Create(bundle, batchThreads: 1);
        Assert.Equal(0, predictor.ManagedMembers);
        var expected = dart.PredictDense(features.Values, features.Rows, features.Columns);
        var batch = predictor.PredictPrepared(features.Values, features.Rows);
        Assert.Equal(expected.Select(p => (double)p), batch.Select(p => p.Probabilities![1]));
        Assert.Equal(expected[5], predictor.PredictPrepared(features.Values.AsSpan(5 * features.Columns, features.Columns), 1)[0].Probabilities![1]);
    }

    /// <summary>Same labels, and probabilities or values equal to within float rounding.</summary>
    private static void AssertClose(Prediction[] expected, Prediction[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Label, actual[i].Label);
            var e = expected[i].Probabilities ?? [expected[i].Value!.Value];
            var a = actual[i].Probabilities ?? [actual[i].Value!.Value];
            Assert.Equal(e.Length, a.Length);
            for (var k = 0; k < e.Length; k++) Assert.True(Math.Abs(e[k] - a[k]) <= 1e-6 * Math.Max(1, Math.Abs(e[k])), $"row {i}, output {k}: {a[k]} vs XGBoost's {e[k]}");
        }
    }

    private static Dictionary<string, object?> RowRecord(TabularData table, int row) =>
        Enumerable.Range(0, table.ColumnCount).ToDictionary(c => table.ColumnNames[c], c => (object?)table[row, c]);

    private sealed class PredictionComparer : IEqualityComparer<Prediction>
    {
        public static readonly PredictionComparer Instance = new();
        public bool Equals(Prediction? x, Prediction? y) =>
            x!.Label == y!.Label && x.Value == y.Value && (x.Probabilities ?? []).SequenceEqual(y.Probabilities ?? []);
        public int GetHashCode(Prediction obj) => obj.Label?.GetHashCode() ?? 0;
    }
}
