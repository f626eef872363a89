using SwarmAgentBot.Ml.AutoMl;
using SwarmAgentBot.Ml.Preparation;
using SwarmAgentBot.Ml.Tabular;

namespace SwarmAgentBot.Ml.Tests.AutoMl;

public sealed class AutoMlTrainerTests
{
    private static readonly AutoMlTrainer Trainer = new();

    private sealed class Collect : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Reports { get; } = [];
        public void Report(TrainingProgress value) { lock (Reports) Reports.Add(value); }
    }

    [Fact]
    public async Task BinaryTrainingBeatsTheMajorityClassAndStaysWithinBudget()
    {
        var data = Synthetic.Churn(1200);
        var budget = TimeSpan.FromSeconds(4);
        var progress = new Collect();
        var result = await Trainer.TrainAsync(data, new AutoMlOptions { Target = "churn", Metric = "macro_f1", TimeBudget = budget, Seed = 3 }, progress);

        var bundle = result.Bundle;
        Assert.Equal(TaskKind.BinaryClassification, bundle.Task);
        Assert.Equal("macro_f1", bundle.Metric);
        // A majority-class predictor scores macro-F1 ≤ 0.5 (one class F1 = 0, the other < 1).
        Assert.True(result.TestMetrics["macro_f1"] > 0.75, $"test macro_f1 {result.TestMetrics["macro_f1"]}");
        Assert.True(result.TestMetrics["auc"] > 0.85);
        // Budget + 10%, as promised to users (the run measures itself).
        Assert.True(result.Elapsed <= budget * 1.1, $"took {result.Elapsed.TotalSeconds:0.00} s of a {budget.TotalSeconds} s budget");
        Assert.NotEmpty(result.Leaderboard);
        Assert.All(result.Leaderboard, e => Assert.Contains(e.Learner, LearnerNames.All));
        Assert.Equal(240, bundle.TestRows);
        Assert.Equal(960, bundle.TrainingRows);
        Assert.Equal(data.ContentSha256, bundle.DatasetSha256);
        Assert.Contains(progress.Reports, p => p.Stage == "search" && p.Trial >= 1 && p.BestScore is not null);
        Assert.Equal("done", progress.Reports[^1].Stage);
    }

    [Theory]
    [InlineData(668, 10)]
    [InlineData(1000, 10)]
    [InlineData(1500, 3)]
    [InlineData(4000, 3)]
    [InlineData(20000, 0)]
    public void SmallerDataGetsMoreValidationFolds(int rows, int folds) => Assert.Equal(folds, AutoMlTrainer.DefaultFolds(rows));

    [Fact]
    public async Task OnSmallDataTheModelIsTheAverageOfTheTenFoldModelsOfItsBestMember()
    {
        var result = await Trainer.TrainAsync(Synthetic.Churn(300), new AutoMlOptions { Target = "churn", Metric = "f1", TimeBudget = TimeSpan.FromSeconds(30), MaxTrials = 6, Threads = 1, Learners = [LearnerNames.Tree] });
        var bundle = result.Bundle;
        Assert.Equal(10, bundle.Config.Folds);
        Assert.Equal("ensemble", bundle.Learner);
        Assert.Equal(10, bundle.Members.Count);
        Assert.Equal(1.0, bundle.Members.Sum(m => m.Weight), 6);
        Assert.True(result.TestMetrics["auc"] > 0.85, $"test auc {result.TestMetrics["auc"]}");

        // The saved bundle predicts what the trained one does.
        var dir = Path.Combine(Path.GetTempPath(), "automl-bag-" + Guid.NewGuid().ToString("N"));
        try
        {
            await bundle.SaveAsync(dir);
            using var trained = Predictor.Create(bundle);
            using var loaded = await Predictor.LoadAsync(dir);
            var rows = Synthetic.Churn(30, seed: 11).WithoutColumns("churn");
            Assert.Equal(trained.PredictTable(rows).Select(p => p.Probabilities![1]), loaded.PredictTable(rows).Select(p => p.Probabilities![1]));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task ImportanceIsReportedByOriginalColumnAndFavoursTheSignal()
    {
        var result = await Trainer.TrainAsync(Synthetic.Churn(800, withNoise: false), new AutoMlOptions { Target = "churn", TimeBudget = TimeSpan.FromSeconds(2), Learners = [LearnerNames.Tree] });
        var importance = result.Bundle.FeatureImportance;
        Assert.Equal(1.0, importance.Sum(f => f.Importance), 3);
        Assert.Equal("tenure", importance[0].Column);
        Assert.DoesNotContain(importance, f => f.Column.Contains('=') || f.Column.Contains('#'));
        Assert.True(importance.Single(f => f.Column == "charges").Importance < importance.Single(f => f.Column == "plan").Importance);
    }

    [Fact]
    public async Task MulticlassTrainingFindsTheClasses()
    {
        var result = await Trainer.TrainAsync(Synthetic.ThreeClasses(150), new AutoMlOptions { Target = "species", TimeBudget = TimeSpan.FromSeconds(2) });
        Assert.Equal(TaskKind.MulticlassClassification, result.Bundle.Task);
        Assert.Equal("logloss", result.Bundle.Metric);
        Assert.Equal(["setosa", "versicolor", "virginica"], result.Bundle.ClassLabels);
        // A constant prediction gets accuracy 1/3.
        Assert.True(result.TestMetrics["accuracy"] > 0.8);
    }

    [Fact]
    public async Task RegressionBeatsPredictingTheMean()
    {
        var result = await Trainer.TrainAsync(Synthetic.Regression(400), new AutoMlOptions { Target = "y", TimeBudget = TimeSpan.FromSeconds(2) });
        Assert.Equal(TaskKind.Regression, result.Bundle.Task);
        Assert.Equal("r2", result.Bundle.Metric);
        // Predicting the mean gives r2 = 0.
        Assert.True(result.TestMetrics["r2"] > 0.9, $"r2 {result.TestMetrics["r2"]}");
        Assert.True(result.TestMetrics["rmse"] > 0);
    }

    [Fact]
    public async Task TheSameSeedAndTrialCapGiveTheSameModelBytes()
    {
        var data = Synthetic.Churn(500);
        var options = new AutoMlOptions { Target = "churn", TimeBudget = TimeSpan.FromSeconds(60), MaxTrials = 6, Threads = 1, Seed = 11 };
        var a = await Trainer.TrainAsync(data, options);
        var b = await Trainer.TrainAsync(data, options);
        Assert.Equal(6, a.Leaderboard.Count);
        Assert.Equal(a.Leaderboard.Select(e => (e.Learner, e.Score)), b.Leaderboard.Select(e => (e.Learner, e.Score)));
        Assert.Equal(a.Bundle.ModelJson, b.Bundle.ModelJson);
        Assert.Equal(a.Bundle.Preparation.ToJson(), b.Bundle.Preparation.ToJson());
    }

    [Fact]
    public async Task CancellingStopsTheRun()
    {
        using var cancel = new CancellationTokenSource();
        var progress = new ActionProgress(_ => cancel.Cancel());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Trainer.TrainAsync(Synthetic.Churn(600), new AutoMlOptions { Target = "churn", TimeBudget = TimeSpan.FromSeconds(30) }, progress, cancel.Token));
    }

    private sealed class ActionProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }

    [Fact]
    public async Task TuningTheThresholdHelpsF1OnAnImbalancedProblem()
    {
        // About 10% positives with a weak signal: the best F1 threshold is well below 0.5.
        var random = new Random(8);
        var rows = Enumerable.Range(0, 1500).Select(_ =>
        {
            var x = random.NextDouble();
            var z = random.NextDouble();
            var positive = random.NextDouble() < 0.02 + 0.25 * x * x;
            return new string?[] { x.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture), z.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture), positive ? "1" : "0" };
        }).ToList();
        var data = TabularData.FromRows(["x", "z", "label"], rows);
        var tuned = await Trainer.TrainAsync(data, new AutoMlOptions { Target = "label", Metric = "f1", TimeBudget = TimeSpan.FromSeconds(60), MaxTrials = 3, Threads = 1 });
        var plain = await Trainer.TrainAsync(data, new AutoMlOptions { Target = "label", Metric = "f1", TimeBudget = TimeSpan.FromSeconds(60), MaxTrials = 3, Threads = 1, TuneDecisionRule = false });
        Assert.True(tuned.Bundle.DecisionRule.Threshold < 0.5);
        Assert.Equal(0.5, plain.Bundle.DecisionRule.Threshold);
        Assert.True(tuned.Bundle.ValidationMetrics["f1"] > plain.Bundle.ValidationMetrics["f1"]);
    }
}
