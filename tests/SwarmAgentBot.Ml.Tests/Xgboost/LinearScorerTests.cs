using SwarmAgentBot.Ml.Xgboost;

namespace SwarmAgentBot.Ml.Tests.Xgboost;

public sealed class LinearScorerTests
{
    private const int Rows = 300, Columns = 5;

    /// <summary>Values in a few ranges with about one in seven missing; the target is a linear formula of the present ones.</summary>
    private static (float[] X, float[] Y) Data(int classes)
    {
        var random = new Random(3);
        var x = new float[Rows * Columns];
        var y = new float[Rows];
        for (var r = 0; r < Rows; r++)
        {
            double score = 0;
            for (var c = 0; c < Columns; c++)
            {
                var v = random.Next(7) == 0 ? float.NaN : (float)(random.NextDouble() * 4 - 2) * (c == 4 ? 30 : 1);
                x[r * Columns + c] = v;
                if (!float.IsNaN(v)) score += (c - 2) * v / (c == 4 ? 30 : 1);
            }
            y[r] = classes switch
            {
                0 => (float)(score + random.NextDouble()),
                2 => score > 0 ? 1 : 0,
                _ => score < -1 ? 0 : score < 1 ? 1 : 2,
            };
        }
        return (x, y);
    }

    private static Booster Train(Dictionary<string, string> parameters, int classes, string booster = "gblinear")
    {
        var (x, y) = Data(classes);
        using var train = DMatrix.FromDense(x, Rows, Columns, threads: 1);
        train.SetLabels(y);
        var model = Booster.Create(new Dictionary<string, string>(parameters) { ["booster"] = booster, ["nthread"] = "1", ["eta"] = "0.3", ["seed"] = "1" }, train);
        for (var i = 0; i < 20; i++) model.UpdateOneIteration(i, train);
        return model;
    }

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
