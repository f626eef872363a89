namespace SwarmAgentBot.Ml.AutoMl;

/// <summary>
/// Tunes how probabilities become labels for f1-type metrics on validation predictions: a threshold on P(class 1)
/// for binary tasks (the one maximising the metric averaged with its neighbours, to avoid a lucky spike), and
/// per-class weights for multiclass (coordinate ascent over a small grid). Imbalanced problems gain the most.
/// </summary>
internal static class DecisionRuleTuner
{
    private static readonly double[] WeightGrid = [0.5, 0.7, 0.85, 1.0, 1.2, 1.4, 1.7, 2.0, 2.5, 3.0];

    public static bool Applies(string metric) => metric is "f1" or "macro_f1";

    /// <summary>The rule and the metric it reaches on these rows.</summary>
    public static (DecisionRule Rule, double Score) Tune(string metric, float[] truth, float[] probabilities, int classes)
    {
        var n = truth.Length;
        var width = probabilities.Length / Math.Max(1, n);
        if (width == 1) return TuneThreshold(metric, truth, probabilities);
        return TuneWeights(metric, truth, probabilities, classes, width);
    }

    private static (DecisionRule, double) TuneThreshold(string metric, float[] truth, float[] p)
    {
        var grid = Enumerable.Range(5, 91).Select(i => i / 100.0).ToArray();
        var scores = new double[grid.Length];
        var labels = new int[truth.Length];
        for (var g = 0; g < grid.Length; g++)
        {
            for (var i = 0; i < truth.Length; i++) labels[i] = p[i] >= grid[g] ? 1 : 0;
            scores[g] = Metrics.Classification(metric, truth, p, 2, labels);
        }
        var best = Array.IndexOf(grid, 0.5);
        var bestSmoothed = Smoothed(scores, best);
        for (var g = 0; g < grid.Length; g++)
        {
            var s = Smoothed(scores, g);
            if (s > bestSmoothed + 1e-12) { best = g; bestSmoothed = s; }
        }
        return (new DecisionRule(grid[best]), scores[best]);
    }

    private static double Smoothed(double[] scores, int at)
    {
        double sum = 0;
        var count = 0;
        for (var k = Math.Max(0, at - 2); k <= Math.Min(scores.Length - 1, at + 2); k++) { sum += scores[k]; count++; }
        return sum / count;
    }

    private static (DecisionRule, double) TuneWeights(string metric, float[] truth, float[] p, int classes, int width)
    {
        var weights = Enumerable.Repeat(1.0, width).ToArray();
        var labels = new int[truth.Length];
        double Score(double[] w)
        {
            var rule = new DecisionRule(0.5, w);
            for (var i = 0; i < truth.Length; i++) labels[i] = rule.Decide(p.AsSpan(i * width, width));
            return Metrics.Classification(metric, truth, p, classes, labels);
        }
        var best = Score(weights);
        var baseline = best;
        for (var pass = 0; pass < 3; pass++)
        {
            var improved = false;
            for (var c = 0; c < width; c++)
            {
                var original = weights[c];
                var bestWeight = original;
                foreach (var factor in WeightGrid)
                {
                    if (factor == 1.0) continue;
                    weights[c] = original * factor;
                    var s = Score(weights);
                    if (s > best + 1e-9) { best = s; bestWeight = weights[c]; improved = true; }
                }
                weights[c] = bestWeight;
            }
            if (!improved) break;
        }
        return best > baseline ? (new DecisionRule(0.5, weights), best) : (new DecisionRule(), baseline);
    }
}
