using SwarmAgentBot.Ml.AutoMl;

namespace SwarmAgentBot.Agents.Agents.Training;

/// <summary>Metrics of predictions against true labels or values (evaluate a model on a dataset).</summary>
public static class Evaluation
{
    /// <summary>accuracy, macro_f1 and (binary) f1 of the positive class, the second class label.</summary>
    public static Dictionary<string, double> Classification(IReadOnlyList<string?> truth, IReadOnlyList<Prediction> predictions, IReadOnlyList<string> classLabels)
    {
        var n = 0;
        var correct = 0;
        var tp = new Dictionary<string, int>(StringComparer.Ordinal);
        var fp = new Dictionary<string, int>(StringComparer.Ordinal);
        var fn = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < truth.Count; i++)
        {
            if (truth[i] is not { } actual) continue;
            var predicted = predictions[i].Label ?? "";
            n++;
            if (predicted == actual) { correct++; tp[actual] = tp.GetValueOrDefault(actual) + 1; }
            else { fp[predicted] = fp.GetValueOrDefault(predicted) + 1; fn[actual] = fn.GetValueOrDefault(actual) + 1; }
        }
        double F1(string c)
        {
            double t = tp.GetValueOrDefault(c), p = fp.GetValueOrDefault(c), m = fn.GetValueOrDefault(c);
            return t == 0 ? 0 : 2 * t / (2 * t + p + m);
        }
        var result = new Dictionary<string, double>
        {
            ["accuracy"] = n == 0 ? double.NaN : (double)correct / n,
            ["macro_f1"] = classLabels.Count == 0 ? double.NaN : classLabels.Average(F1),
            ["rows"] = n,
        };
        if (classLabels.Count == 2) result["f1"] = F1(classLabels[1]);
        return result;
    }

    /// <summary>rmse, mae and r2 of predicted values.</summary>
    public static Dictionary<string, double> Regression(IReadOnlyList<double?> truth, IReadOnlyList<Prediction> predictions)
    {
        var pairs = truth.Select((t, i) => (t, p: predictions[i].Value)).Where(x => x.t is not null && x.p is not null).Select(x => (T: x.t!.Value, P: x.p!.Value)).ToList();
        if (pairs.Count == 0) return new() { ["rows"] = 0 };
        var mean = pairs.Average(x => x.T);
        var sse = pairs.Sum(x => (x.T - x.P) * (x.T - x.P));
        var sst = pairs.Sum(x => (x.T - mean) * (x.T - mean));
        return new()
        {
            ["rmse"] = Math.Sqrt(sse / pairs.Count),
            ["mae"] = pairs.Average(x => Math.Abs(x.T - x.P)),
            ["r2"] = sst == 0 ? double.NaN : 1 - sse / sst,
            ["rows"] = pairs.Count,
        };
    }
}
