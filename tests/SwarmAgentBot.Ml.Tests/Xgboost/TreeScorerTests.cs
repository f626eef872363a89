using System.Globalization;
using SwarmAgentBot.Ml.Xgboost;

namespace SwarmAgentBot.Ml.Tests.Xgboost;

public sealed class TreeScorerTests
{
    private const int Rows = SmallModels.Rows, Columns = SmallModels.Columns;

    public static TheoryData<string, int> Objectives => new()
    {
        { "binary:logistic", 2 },
        { "reg:logistic", 2 },
        { "multi:softprob", 3 },
        { "reg:squarederror", 0 },
    };

    private static Dictionary<string, string> Parameters(string objective, int classes)
    {
        var parameters = new Dictionary<string, string> { ["objective"] = objective, ["max_depth"] = "4", ["tree_method"] = "hist" };
        if (classes > 2) parameters["num_class"] = classes.ToString(CultureInfo.InvariantCulture);
        return parameters;
    }

    /// <summary>Asserts the scorer gives XGBoost's in-place predictions on the training rows (about one value in seven missing), as a batch and row by row.</summary>
    private static void AssertScoresAsXgboost(Booster booster, TreeScorer scorer, int classes)
    {
        var (x, _) = SmallModels.Data(classes);
        var expected = booster.PredictDense(x, Rows, Columns);
        Assert.Equal(classes > 2 ? classes : 1, scorer.Outputs);
        var actual = new float[expected.Length];
        scorer.Score(x, Rows, Columns, actual);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 6);
        // Row by row, as a single-record call does it.
        var one = new float[scorer.Outputs];
        for (var r = 0; r < Rows; r += 37)
        {
            scorer.Score(x.AsSpan(r * Columns, Columns), 1, Columns, one);
            Assert.Equal(actual.AsSpan(r * scorer.Outputs, scorer.Outputs).ToArray(), one);
        }
    }

    [Theory]
    [MemberData(nameof(Objectives))]
    public void BoostedTreesScoreAsXgboostPredictsThem(string objective, int classes)
    {
        using var booster = SmallModels.Train(Parameters(objective, classes), classes, "gbtree");
        var scorer = TreeScorer.TryCreate(booster.SaveModel(), booster, Columns);
        Assert.NotNull(scorer);
        Assert.Equal(20 * Math.Max(1, classes > 2 ? classes : 1), scorer.Trees);
        AssertScoresAsXgboost(booster, scorer, classes);
    }

    [Theory]
    [InlineData("binary:logistic", 2)]
    [InlineData("multi:softprob", 3)]
    public void ARandomForestScoresAsXgboostPredictsIt(string objective, int classes)
    {
        // AutoML's forest: one round of several parallel trees on row and column samples.
        var parameters = Parameters(objective, classes);
        parameters["num_parallel_tree"] = "8";
        parameters["subsample"] = "0.8";
        parameters["colsample_bynode"] = "0.8";
        using var booster = SmallModels.Train(parameters, classes, "gbtree", rounds: 1);
        var scorer = TreeScorer.TryCreate(booster.SaveModel(), booster, Columns);
        Assert.NotNull(scorer);
        Assert.Equal(8 * (classes > 2 ? classes : 1), scorer.Trees);
        AssertScoresAsXgboost(booster, scorer, classes);
    }

    [Fact]
    public void AMissingValueTakesEachSplitsDefaultDirection()
    {
        using var booster = SmallModels.Train(Parameters("binary:logistic", 2), 2, "gbtree");
        var scorer = TreeScorer.TryCreate(booster.SaveModel(), booster, Columns);
        Assert.NotNull(scorer);
        // One row per column with only that value missing, then a row with every value missing.
        var rows = new float[(Columns + 1) * Columns];
        for (var r = 0; r < Columns + 1; r++)
            for (var c = 0; c < Columns; c++)
                rows[r * Columns + c] = r == Columns || r == c ? float.NaN : 0.5f * (c + 1);
        var expected = booster.PredictDense(rows, Columns + 1, Columns);
        var actual = new float[Columns + 1];
        scorer.Score(rows, Columns + 1, Columns, actual);
        Assert.Equal(expected, actual);
        Assert.NotEqual(actual[0], actual[Columns]);
    }

    [Theory]
    [InlineData("dart")]
    [InlineData("gblinear")]
    public void AnotherBoosterIsLeftToXgboost(string kind)
    {
        using var booster = SmallModels.Train(new() { ["objective"] = "binary:logistic", ["rate_drop"] = "0.3" }, 2, kind, rounds: 5);
        Assert.Null(TreeScorer.TryCreate(booster.SaveModel(), booster, Columns));
    }

    [Fact]
    public void AnObjectiveItDoesNotKnowIsLeftToXgboost()
    {
        using var booster = SmallModels.Train(new() { ["objective"] = "count:poisson" }, 2, "gbtree", rounds: 5);
        Assert.Null(TreeScorer.TryCreate(booster.SaveModel(), booster, Columns));
    }

    [Fact]
    public void AModelThatIsNotTheBoostersIsRefused()
    {
        // The check on probe rows is what guards the predictions: trees that differ from the booster's are never used.
        using var booster = SmallModels.Train(Parameters("binary:logistic", 2), 2, "gbtree");
        using var other = SmallModels.Train(Parameters("binary:logistic", 2), 2, "gbtree", rounds: 19);
        Assert.Null(TreeScorer.TryCreate(other.SaveModel(), booster, Columns));
        Assert.NotNull(TreeScorer.TryCreate(booster.SaveModel(), booster, Columns));
    }

    [Fact]
    public void ASplitOnAFeatureOutsideTheRowIsRefused()
    {
        using var booster = SmallModels.Train(Parameters("reg:squarederror", 0), 0, "gbtree");
        Assert.Null(TreeScorer.TryCreate(booster.SaveModel(), booster, 1));
    }
}
