namespace SwarmAgentBot.Ml.AutoMl;

/// <summary>
/// Evaluation metrics by name: f1 (binary, positive class = class index 1), macro_f1, accuracy, auc (binary; macro
/// one-vs-rest for multiclass), logloss, rmse, mae, r2. Classification scores take per-class probabilities
/// (rows × classes; binary may pass rows × 1 = P(class 1)).
/// </summary>
public static class Metrics
{
    /// <summary>Every metric name accepted.</summary>
    public static readonly IReadOnlyList<string> Names = ["f1", "macro_f1", "auc", "accuracy", "logloss", "rmse", "mae", "r2"];

    /// <summary>True when a larger value is better.</summary>
    public static bool HigherIsBetter(string metric) => metric is not ("logloss" or "rmse" or "mae");

    /// <summary>The default metric for a task: auc (binary), logloss (multiclass), r2 (regression).</summary>
    public static string DefaultFor(TaskKind task) => task switch
    {
        TaskKind.BinaryClassification => "auc",
        TaskKind.MulticlassClassification => "logloss",
        _ => "r2",
    };

    /// <summary>Checks that <paramref name="metric"/> exists and suits the task; returns it normalised, or throws <see cref="TrainingInputException"/>.</summary>
    public static string Validate(string metric, TaskKind task)
    {
        var m = metric.Trim().ToLowerInvariant() switch
        {
            "macro-f1" or "f1_macro" or "macrof1" => "macro_f1",
            "roc_auc" or "roc-auc" or "auroc" => "auc",
            "log_loss" or "cross_entropy" => "logloss",
            "acc" => "accuracy",
            var x => x,
        };
        if (!Names.Contains(m)) throw new TrainingInputException($"Unknown metric '{metric}'. Use one of: {string.Join(", ", Names)}.");
        var regression = m is "rmse" or "mae" or "r2";
        if (regression != (task == TaskKind.Regression))
            throw new TrainingInputException(task == TaskKind.Regression
                ? $"The metric '{m}' is for classification, but the task is regression: use rmse, mae or r2."
                : $"The metric '{m}' is for regression, but the task is {task.ToName()} classification: use f1, macro_f1, auc, accuracy or logloss.");
        if (m == "f1" && task == TaskKind.MulticlassClassification) return "macro_f1";
        return m;
    }

    /// <summary>Metrics reported for a task, the chosen one first.</summary>
    public static IReadOnlyList<string> ReportedFor(TaskKind task, string chosen)
    {
        IEnumerable<string> all = task switch
        {
            TaskKind.BinaryClassification => ["accuracy", "f1", "macro_f1", "auc", "logloss"],
            TaskKind.MulticlassClassification => ["accuracy", "macro_f1", "auc", "logloss"],
            _ => ["rmse", "mae", "r2"],
        };
        return all.Prepend(chosen).Distinct().ToList();
    }

    /// <summary>Computes a classification metric from probabilities and the labels the decision rule picked.</summary>
    /// <param name="metric">Metric name.</param>
    /// <param name="truth">True class index per row.</param>
    /// <param name="probabilities">rows × classes (or rows × 1 for binary, P(class 1)).</param>
    /// <param name="classes">Number of classes.</param>
    /// <param name="predicted">Predicted class per row (after threshold/weights); null uses argmax / 0.5.</param>
    public static double Classification(string metric, ReadOnlySpan<float> truth, ReadOnlySpan<float> probabilities, int classes, ReadOnlySpan<int> predicted = default)
    {
        var n = truth.Length;
        var width = probabilities.Length / Math.Max(1, n);
        int[] labels;
        if (predicted.IsEmpty)
        {
            labels = new int[n];
            for (var i = 0; i < n; i++) labels[i] = width == 1 ? (probabilities[i] >= 0.5f ? 1 : 0) : ArgMax(probabilities.Slice(i * width, width));
        }
        else labels = predicted.ToArray();
        return metric switch
        {
            "accuracy" => Accuracy(truth, labels),
            "f1" => F1(truth, labels, 1),
            "macro_f1" => MacroF1(truth, labels, classes),
            "auc" => width == 1 ? Auc(truth, probabilities, 1, 0, 1) : MacroAuc(truth, probabilities, classes),
            "logloss" => LogLoss(truth, probabilities, classes),
            _ => throw new ArgumentException($"'{metric}' is not a classification metric."),
        };
    }

    /// <summary>Computes a regression metric.</summary>
    public static double Regression(string metric, ReadOnlySpan<float> truth, ReadOnlySpan<float> predicted)
    {
        var n = truth.Length;
        double sse = 0, sae = 0, mean = 0;
        for (var i = 0; i < n; i++) mean += truth[i];
        mean /= Math.Max(1, n);
        double sst = 0;
        for (var i = 0; i < n; i++)
        {
            var e = truth[i] - (double)predicted[i];
            sse += e * e;
            sae += Math.Abs(e);
            sst += (truth[i] - mean) * (truth[i] - mean);
        }
        return metric switch
        {
            "rmse" => Math.Sqrt(sse / Math.Max(1, n)),
            "mae" => sae / Math.Max(1, n),
            "r2" => sst == 0 ? 0 : 1 - sse / sst,
            _ => throw new ArgumentException($"'{metric}' is not a regression metric."),
        };
    }

    /// <summary>Index of the largest value (first on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    private static double Accuracy(ReadOnlySpan<float> truth, int[] labels)
    {
        var hit = 0;
        for (var i = 0; i < truth.Length; i++) if ((int)truth[i] == labels[i]) hit++;
        return hit / (double)Math.Max(1, truth.Length);
    }

    private static double F1(ReadOnlySpan<float> truth, int[] labels, int positive)
    {
        int tp = 0, fp = 0, fn = 0;
        for (var i = 0; i < truth.Length; i++)
        {
            var t = (int)truth[i] == positive;
            var p = labels[i] == positive;
            if (t && p) tp++;
            else if (p) fp++;
            else if (t) fn++;
        }
        return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    /// <summary>Unweighted mean of per-class F1 over classes present in the truth or the predictions (as scikit-learn does).</summary>
    private static double MacroF1(ReadOnlySpan<float> truth, int[] labels, int classes)
    {
        var tp = new int[classes];
        var fp = new int[classes];
        var fn = new int[classes];
        for (var i = 0; i < truth.Length; i++)
        {
            var t = (int)truth[i];
            var p = labels[i];
            if (t == p) tp[t]++;
            else { fp[p]++; fn[t]++; }
        }
        double sum = 0;
        var counted = 0;
        for (var c = 0; c < classes; c++)
        {
            if (tp[c] + fp[c] + fn[c] == 0) continue;
            sum += 2.0 * tp[c] / (2.0 * tp[c] + fp[c] + fn[c]);
            counted++;
        }
        return counted == 0 ? 0 : sum / counted;
    }

    private static double MacroAuc(ReadOnlySpan<float> truth, ReadOnlySpan<float> probabilities, int classes)
    {
        double sum = 0;
        var counted = 0;
        for (var c = 0; c < classes; c++)
        {
            var auc = Auc(truth, probabilities, classes, c, c);
            if (double.IsNaN(auc)) continue;
            sum += auc;
            counted++;
        }
        return counted == 0 ? double.NaN : sum / counted;
    }

    /// <summary>ROC AUC of one class against the rest by the rank-sum formula (ties get mid-ranks).</summary>
    private static double Auc(ReadOnlySpan<float> truth, ReadOnlySpan<float> probabilities, int width, int column, int positive)
    {
        var n = truth.Length;
        var scores = new float[n];
        for (var i = 0; i < n; i++) scores[i] = probabilities[i * width + column];
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(scores.ToArray(), order);
        var ranks = new double[n];
        for (var i = 0; i < n;)
        {
            var j = i;
            while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) j++;
            var rank = (i + j) / 2.0 + 1;
            for (var k = i; k <= j; k++) ranks[order[k]] = rank;
            i = j + 1;
        }
        double positives = 0, rankSum = 0;
        for (var i = 0; i < n; i++)
            if ((int)truth[i] == positive) { positives++; rankSum += ranks[i]; }
        var negatives = n - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
    }

    private static double LogLoss(ReadOnlySpan<float> truth, ReadOnlySpan<float> probabilities, int classes)
    {
        const double eps = 1e-15;
        var n = truth.Length;
        var width = probabilities.Length / Math.Max(1, n);
        double total = 0;
        for (var i = 0; i < n; i++)
        {
            var t = (int)truth[i];
            double p = width == 1 ? (t == 1 ? probabilities[i] : 1 - probabilities[i]) : probabilities[i * width + t];
            total -= Math.Log(Math.Clamp(p, eps, 1 - eps));
        }
        return total / Math.Max(1, n);
    }
}
