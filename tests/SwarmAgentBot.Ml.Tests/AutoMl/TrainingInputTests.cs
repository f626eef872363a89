using SwarmAgentBot.Ml.AutoMl;
using SwarmAgentBot.Ml.Tabular;

namespace SwarmAgentBot.Ml.Tests.AutoMl;

public sealed class TrainingInputTests
{
    private static readonly AutoMlTrainer Trainer = new();

    private static Task<TrainingResult> Train(TabularData data, string target, double seconds = 2, string? metric = null, TaskKind? task = null) =>
        Trainer.TrainAsync(data, new AutoMlOptions { Target = target, TimeBudget = TimeSpan.FromSeconds(seconds), Metric = metric, Task = task });

    [Fact]
    public async Task AnUnknownTargetSuggestsTheClosestColumns()
    {
        var error = await Assert.ThrowsAsync<TrainingInputException>(() => Train(Synthetic.Churn(100), "chrun"));
        Assert.Contains("no column 'chrun'", error.Message);
        Assert.Contains("Did you mean 'churn'", error.Message);
    }

    [Fact]
    public async Task AConstantTargetHasNothingToLearn()
    {
        var table = CsvTable.ParseText("x,y\n" + string.Join("\n", Enumerable.Range(0, 40).Select(i => $"{i},same")));
        var error = await Assert.ThrowsAsync<TrainingInputException>(() => Train(table, "y"));
        Assert.Contains("same value ('same')", error.Message);
    }

    [Fact]
    public async Task TooFewRowsAreRejected()
    {
        var table = CsvTable.ParseText("x,y\n" + string.Join("\n", Enumerable.Range(0, 8).Select(i => $"{i},{i % 2}")));
        var error = await Assert.ThrowsAsync<TrainingInputException>(() => Train(table, "y"));
        Assert.Contains("Only 8 rows", error.Message);
    }

    [Fact]
    public async Task AClassSeenOnceIsRejectedButTwiceIsEnough()
    {
        string Rows(int rare) => "x,y\n" + string.Join("\n", Enumerable.Range(0, 60).Select(i => $"{i % 9},{(i < rare ? "rare" : i % 2 == 0 ? "a" : "b")}"));
        var error = await Assert.ThrowsAsync<TrainingInputException>(() => Train(CsvTable.ParseText(Rows(1)), "y"));
        Assert.Contains("'rare'", error.Message);
        Assert.Contains("only once", error.Message);
        var result = await Train(CsvTable.ParseText(Rows(2)), "y", metric: "accuracy");
        Assert.Equal(["a", "b", "rare"], result.Bundle.ClassLabels);
    }

    [Fact]
    public async Task ATargetWithNoValuesIsRejected()
    {
        var table = CsvTable.ParseText("x,y\n" + string.Join("\n", Enumerable.Range(0, 30).Select(i => $"{i},")));
        var error = await Assert.ThrowsAsync<TrainingInputException>(() => Train(table, "y"));
        Assert.Contains("has no values", error.Message);
    }

    [Fact]
    public async Task AllMissingFeatureColumnsAreDroppedAndOnlyFailWhenNothingIsLeft()
    {
        var rows = Enumerable.Range(0, 60).Select(i => $"{i % 7},,{(i % 3 == 0 ? "a" : "b")}");
        var table = CsvTable.ParseText("x,empty,y\n" + string.Join("\n", rows));
        var result = await Train(table, "y", metric: "accuracy");
        Assert.Contains(result.Bundle.Preparation.Dropped, d => d.Column == "empty" && d.Reason.Contains("all values are missing"));

        var nothing = CsvTable.ParseText("empty,y\n" + string.Join("\n", Enumerable.Range(0, 60).Select(i => $",{i % 2}")));
        var error = await Assert.ThrowsAsync<TrainingInputException>(() => Train(nothing, "y"));
        Assert.Contains("No column can be used", error.Message);
        Assert.Contains("empty: all values are missing", error.Message);
    }

    [Theory]
    [InlineData(0, "must be positive")]
    [InlineData(-5, "must be positive")]
    [InlineData(90_000, "at most 24 hours")]
    public async Task AnUnusableBudgetIsRejectedBeforeAnyWork(double seconds, string expected)
    {
        var error = await Assert.ThrowsAsync<TrainingInputException>(() =>
            Trainer.TrainAsync(Synthetic.Churn(50), new AutoMlOptions { Target = "churn", TimeBudget = TimeSpan.FromSeconds(seconds) }));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task AMetricThatDoesNotFitTheTaskIsRejected()
    {
        var error = await Assert.ThrowsAsync<TrainingInputException>(() => Train(Synthetic.Regression(60), "y", metric: "f1"));
        Assert.Contains("task is regression", error.Message);
        var unknown = await Assert.ThrowsAsync<TrainingInputException>(() => Train(Synthetic.Churn(60), "churn", metric: "precision@k"));
        Assert.Contains("Unknown metric", unknown.Message);
    }

    [Fact]
    public async Task RegressionOnTextLabelsIsRejected()
    {
        var error = await Assert.ThrowsAsync<TrainingInputException>(() => Train(Synthetic.Churn(60), "churn", task: TaskKind.Regression));
        Assert.Contains("numeric target", error.Message);
    }

    [Fact]
    public async Task ADatasetThatDoesNotParseGetsATrainingInputError()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bad-{Guid.NewGuid():N}.csv");
        await File.WriteAllTextAsync(path, "a,b,c\n1,2,3\n4,5\n");
        try
        {
            var error = await Assert.ThrowsAsync<TrainingInputException>(() => AutoMlTrainer.LoadDataAsync(path));
            Assert.Contains("line 3 has 2", error.Message);
            var missing = await Assert.ThrowsAsync<TrainingInputException>(() => AutoMlTrainer.LoadDataAsync(path + ".nope"));
            Assert.Contains("no dataset file", missing.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
