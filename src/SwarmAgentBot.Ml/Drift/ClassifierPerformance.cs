namespace SwarmAgentBot.Ml.Drift;

/// <summary>
/// Performance of a binary classifier: actual scores from labels, and NannyML-style confidence-based performance
/// estimation (CBPE) when labels have not arrived yet.
/// </summary>
/// <remarks>
/// CBPE treats each predicted probability p of the positive class as the chance that the row really is positive.
/// The expected confusion matrix is then TP = Σ ŷ·p, FP = Σ ŷ·(1−p), FN = Σ (1−ŷ)·p, TN = Σ (1−ŷ)·(1−p) over the
/// rows, where ŷ is the model's predicted label, and accuracy, precision, recall and F1 follow from it. This is only
/// as good as the calibration of p, so the calibration is checked on the labelled reference first (expected
/// calibration error) and, when poor, the probabilities are recalibrated by isotonic regression fitted on the
/// reference, as NannyML does.
/// </remarks>
public static class ClassifierPerformance
{
    /// <summary>Accuracy, precision, recall and F1 of predictions against labels (0 where a ratio has no denominator).</summary>
    public static ClassificationScores Actual(IReadOnlyList<bool> labels, IReadOnlyList<bool> predicted)
    {
        if (labels.Count != predicted.Count) throw new ArgumentException("Labels and predictions differ in length.");
        double tp = 0, fp = 0, fn = 0, tn = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            if (predicted[i]) { if (labels[i]) tp++; else fp++; }
            else if (labels[i]) fn++;
            else tn++;
        }
        return Scores(tp, fp, fn, tn, labels.Count);
    }

    /// <summary>Expected scores from calibrated probabilities of the positive class and the predicted labels (CBPE).</summary>
    public static ClassificationScores Estimate(IReadOnlyList<double> probabilities, IReadOnlyList<bool> predicted)
    {
        if (probabilities.Count != predicted.Count) throw new ArgumentException("Probabilities and predictions differ in length.");
        double tp = 0, fp = 0, fn = 0, tn = 0;
        for (var i = 0; i < probabilities.Count; i++)
        {
            var p = probabilities[i];
            if (predicted[i]) { tp += p; fp += 1 - p; }
            else { fn += p; tn += 1 - p; }
        }
        return Scores(tp, fp, fn, tn, probabilities.Count);
    }

    /// <summary>
    /// Expected calibration error over <paramref name="bins"/> equal-width probability bins:
    /// Σ (rows in bin / rows) · |share of positives in bin − mean probability in bin|.
    /// </summary>
    public static double ExpectedCalibrationError(IReadOnlyList<double> probabilities, IReadOnlyList<bool> labels, int bins = 10)
    {
        if (probabilities.Count != labels.Count) throw new ArgumentException("Probabilities and labels differ in length.");
        if (probabilities.Count == 0) return double.NaN;
        var count = new int[bins];
        var sumP = new double[bins];
        var positives = new double[bins];
        for (var i = 0; i < probabilities.Count; i++)
        {
            var b = Math.Clamp((int)(probabilities[i] * bins), 0, bins - 1);
            count[b]++;
            sumP[b] += probabilities[i];
            if (labels[i]) positives[b]++;
        }
        var error = 0.0;
        for (var b = 0; b < bins; b++)
            if (count[b] > 0) error += (double)count[b] / probabilities.Count * Math.Abs(positives[b] / count[b] - sumP[b] / count[b]);
        return error;
    }

    private static ClassificationScores Scores(double tp, double fp, double fn, double tn, int rows)
    {
        var total = tp + fp + fn + tn;
        var accuracy = total > 0 ? (tp + tn) / total : 0;
        var precision = tp + fp > 0 ? tp / (tp + fp) : 0;
        var recall = tp + fn > 0 ? tp / (tp + fn) : 0;
        var f1 = 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : 0;
        return new ClassificationScores(accuracy, precision, recall, f1, rows);
    }
}

/// <summary>
/// Monotone map from predicted probability to observed positive rate, fitted by pool-adjacent-violators on labelled
/// data and applied by linear interpolation between the fitted points (clipped at both ends), like scikit-learn's
/// <c>IsotonicRegression(out_of_bounds="clip")</c>.
/// </summary>
public sealed class IsotonicCalibration
{
    private readonly double[] _x;
    private readonly double[] _y;

    private IsotonicCalibration(double[] x, double[] y)
    {
        _x = x;
        _y = y;
    }

    /// <summary>Fits the map on probabilities and their true labels.</summary>
    /// <exception cref="ArgumentException">No rows, or lengths differ.</exception>
    public static IsotonicCalibration Fit(IReadOnlyList<double> probabilities, IReadOnlyList<bool> labels)
    {
        if (probabilities.Count != labels.Count) throw new ArgumentException("Probabilities and labels differ in length.");
        if (probabilities.Count == 0) throw new ArgumentException("Calibration needs labelled rows.");
        var order = Enumerable.Range(0, probabilities.Count).OrderBy(i => probabilities[i]).ToArray();

        // Equal probabilities form one point (mean label, weight = rows), then violators are pooled.
        var xs = new List<double>();
        var means = new List<double>();
        var weights = new List<double>();
        foreach (var i in order)
        {
            var y = labels[i] ? 1.0 : 0.0;
            if (xs.Count > 0 && xs[^1] == probabilities[i])
            {
                var w = weights[^1];
                means[^1] = (means[^1] * w + y) / (w + 1);
                weights[^1] = w + 1;
            }
            else
            {
                xs.Add(probabilities[i]);
                means.Add(y);
                weights.Add(1);
            }
        }

        // Pool adjacent violators: blocks of consecutive points share their weighted mean.
        var blockMean = new List<double>();
        var blockWeight = new List<double>();
        var blockSize = new List<int>();
        for (var i = 0; i < xs.Count; i++)
        {
            blockMean.Add(means[i]);
            blockWeight.Add(weights[i]);
            blockSize.Add(1);
            while (blockMean.Count > 1 && blockMean[^2] > blockMean[^1])
            {
                var w = blockWeight[^2] + blockWeight[^1];
                var m = (blockMean[^2] * blockWeight[^2] + blockMean[^1] * blockWeight[^1]) / w;
                var size = blockSize[^2] + blockSize[^1];
                blockMean.RemoveAt(blockMean.Count - 1);
                blockWeight.RemoveAt(blockWeight.Count - 1);
                blockSize.RemoveAt(blockSize.Count - 1);
                blockMean[^1] = m;
                blockWeight[^1] = w;
                blockSize[^1] = size;
            }
        }
        var fitted = new double[xs.Count];
        var at = 0;
        for (var b = 0; b < blockMean.Count; b++)
            for (var k = 0; k < blockSize[b]; k++) fitted[at++] = blockMean[b];
        return new IsotonicCalibration([.. xs], fitted);
    }

    /// <summary>The calibrated probability for a predicted probability.</summary>
    public double Apply(double probability)
    {
        if (probability <= _x[0]) return _y[0];
        if (probability >= _x[^1]) return _y[^1];
        var index = Array.BinarySearch(_x, probability);
        if (index >= 0) return _y[index];
        var hi = ~index;
        var lo = hi - 1;
        var t = (probability - _x[lo]) / (_x[hi] - _x[lo]);
        return _y[lo] + t * (_y[hi] - _y[lo]);
    }
}
