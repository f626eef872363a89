using SwarmAgentBot.Ml.Xgboost;

namespace SwarmAgentBot.Ml.Tests.Xgboost;

public sealed class LinearScorerTests
{
    private const int Rows = SmallModels.Rows, Columns = SmallModels.Columns;

    private static (float[] X, float[] Y) Data(int classes) => SmallModels.Data(classes);

    private static Booster Train(Dictionary<string, string> parameters, int classes, string booster = "gblinear") =>
        SmallModels.Train(parameters, classes, booster);

    public static TheoryData<string, int> Objectives => new()
    {
        { "binary:logistic", 2 },
        { "reg:logistic", 2 },
        { "multi:softprob", 3 },
        { "reg:squarederror", 0 },
    };

    [Theory]
    [MemberData(nameof(Objectives))]
    public void ALinearModelScoresAsXgboostPredictsIt(string objective, int classes)
    {
        var parameters = new Dictionary<string, string> { ["objective"] = objective };
        if (classes > 2) parameters["num_class"] = classes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var booster = Train(parameters, classes);
        var (x, _) = Data(classes);
        using var matrix = DMatrix.FromDense(x, Rows, Columns, threads: 1);
        var expected = booster.Predict(matrix);

        var scorer = LinearScorer.TryCreate(booster.SaveModel(), booster, Columns);

        Assert.NotNull(scorer);
        Assert.Equal(Math.Max(1, classes > 2 ? classes : 1), scorer.Outputs);
        var actual = new float[expected.Length];
        scorer.Score(x, Rows, Columns, actual);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 6);
        // Row by row as a single-record call does it.
        var one = new float[scorer.Outputs];
        scorer.Score(x.AsSpan(7 * Columns, Columns), 1, Columns, one);
        Assert.Equal(expected.AsSpan(7 * scorer.Outputs, scorer.Outputs).ToArray(), one);
    }

    [Fact]
    public void ATreeModelIsLeftToXgboost()
    {
        using var booster = Train(new() { ["objective"] = "binary:logistic" }, 2, booster: "gbtree");
        Assert.Null(LinearScorer.TryCreate(booster.SaveModel(), booster, Columns));
    }

    [Fact]
    public void AModelThatIsNotTheBoostersIsRefused()
    {
        // The check on probe rows is what guards the predictions: weights that differ from the booster's are never used.
        using var booster = Train(new() { ["objective"] = "binary:logistic" }, 2);
        using var other = Train(new() { ["objective"] = "binary:logistic", ["lambda"] = "50" }, 2);
        Assert.Null(LinearScorer.TryCreate(other.SaveModel(), booster, Columns));
        Assert.NotNull(LinearScorer.TryCreate(booster.SaveModel(), booster, Columns));
    }
}
