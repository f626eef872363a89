namespace SwarmAgentBot.Ml.AutoMl;

/// <summary>
/// Tunes how probabilities become labels for f1-type metrics on validation predictions: a threshold on P(class 1)
/// for binary tasks (the one maximising the metric averaged with its neighbours, to avoid a lucky spike), and
/// prior-based class weights for multiclass (one exponent). Imbalanced problems gain the most.
/// </summary>
internal static class DecisionRuleTuner
{
    /// <summary>
    /// A tuned rule must beat the plain one (0.5 / argmax) by this much on validation to be used: smaller gains are
    /// within the noise of a few hundred rows and do not carry over to new data.
    /// </summary>
    private const double MinimumGain = 0.004;

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
        var plain = Array.IndexOf(grid, 0.5);
        if (scores[best] < scores[plain] + MinimumGain) return (new DecisionRule(), scores[plain]);
        return (new DecisionRule(grid[best]), scores[best]);
    }

    private static double Smoothed(double[] scores, int at)
    {
        double sum = 0;
        var count = 0;
        for (var k = Math.Max(0, at - 2); k <= Math.Min(scores.Length - 1, at + 2); k++) { sum += scores[k]; count++; }
        return sum / count;
    }

    /// <summary>
    /// Multiclass: weights w_c = (share of class c)^(−α), one parameter α in [0, 1.5]. α = 0 is plain argmax; α = 1
    /// divides by the class prior ("balanced"), which lifts recall of rare classes as macro-F1 rewards. One parameter
    /// instead of one weight per class keeps the rule from fitting the noise of a small validation set.
    /// </summary>
    private static (DecisionRule, double) TuneWeights(string metric, float[] truth, float[] p, int classes, int width)
    {
        var share = new double[width];
        foreach (var t in truth) share[(int)t]++;
        for (var c = 0; c < width; c++) share[c] = Math.Max(share[c], 1) / truth.Length;
        var labels = new int[truth.Length];
        double Score(double[]? w)
        {
            var rule = new DecisionRule(0.5, w);
            for (var i = 0; i < truth.Length; i++) labels[i] = rule.Decide(p.AsSpan(i * width, width));
            return Metrics.Classification(metric, truth, p, classes, labels);
        }
        var baseline = Score(null);
        var bestScore = baseline;
        double[]? bestWeights = null;
        for (var step = 1; step <= 15; step++)
        {
            var alpha = step * 0.1;
            var weights = share.Select(s => Math.Pow(s, -alpha)).ToArray();
            var score = Score(weights);
            if (score > bestScore + 1e-12) { bestScore = score; bestWeights = weights; }
        }
        return bestWeights is not null && bestScore >= baseline + MinimumGain ? (new DecisionRule(0.5, bestWeights), bestScore) : (new DecisionRule(), baseline);
    }
}
