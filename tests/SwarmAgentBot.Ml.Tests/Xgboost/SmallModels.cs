using SwarmAgentBot.Ml.Xgboost;

namespace SwarmAgentBot.Ml.Tests.Xgboost;

/// <summary>Small XGBoost models trained on a few hundred synthetic rows, for the managed scorers' tests.</summary>
internal static class SmallModels
{
    public const int Rows = 300, Columns = 5;

    /// <summary>Values in a few ranges with about one in seven missing; the target is a linear formula of the present ones.</summary>
    public static (float[] X, float[] Y) Data(int classes)
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

    public static Booster Train(Dictionary<string, string> parameters, int classes, string booster, int rounds = 20)
    {
        var (x, y) = Data(classes);
        using var train = DMatrix.FromDense(x, Rows, Columns, threads: 1);
        train.SetLabels(y);
        var model = Booster.Create(new Dictionary<string, string>(parameters) { ["booster"] = booster, ["nthread"] = "1", ["eta"] = "0.3", ["seed"] = "1" }, train);
        for (var i = 0; i < rounds; i++) model.UpdateOneIteration(i, train);
        return model;
    }
}
