using SwarmAgentBot.Ml.Drift;

namespace SwarmAgentBot.Ml.Tests.Drift;

public sealed class PerformanceEstimationTests
{
    /// <summary>Rows whose label is 1 with probability <c>truth</c>; the model reports <c>reported(truth)</c>.</summary>
    private static DriftTable Scored(SampleGenerator g, int n, Func<double, double> reported, Func<double, double> draw)
    {
        var probability = new double[n];
        var label = new double[n];
        for (var i = 0; i < n; i++)
        {
            var truth = draw(g.Uniform());
            probability[i] = reported(truth);
            label[i] = g.Uniform() < truth ? 1 : 0;
        }
        return new DriftTable([DriftColumn.Numeric("proba", probability), DriftColumn.Numeric("label", label)]);
    }

    [Fact]
    public void CbpeEstimatesTheAccuracyOfACalibratedModelWithoutLabels()
    {
        var g = new SampleGenerator(31);
        var reference = Scored(g, 5000, p => p, u => u);
        // The current window is more uncertain (probabilities nearer 0.5), so accuracy really drops.
        var current = Scored(g, 20000, p => p, u => 0.25 + 0.5 * u);
        var report = new DriftDetector(new DriftOptions()).Compare(reference, current, new DriftRequest { Probability = "proba", Target = "label" });

        var performance = report.Performance!;
        Assert.True(performance.Calibration!.WellCalibrated);
        Assert.False(performance.Calibration.Recalibrated);
        var estimated = performance.CurrentEstimated!;
        var actual = performance.CurrentActual!;
        Assert.InRange(estimated.Accuracy - actual.Accuracy, -0.01, 0.01);
        Assert.InRange(estimated.F1 - actual.F1, -0.015, 0.015);
        Assert.True(performance.ReferenceActual!.Accuracy - estimated.Accuracy > 0.05, "the estimate shows the drop");
        Assert.DoesNotContain(report.Warnings, w => w.Contains("calibrated"));
    }

    [Fact]
    public void ItWarnsAboutPoorCalibrationAndRecalibratesOnTheReference()
    {
        var g = new SampleGenerator(32);
        // The model is overconfident: it reports p^3 / (p^3 + (1-p)^3) for a true probability p.
        static double Overconfident(double p) => p * p * p / (p * p * p + (1 - p) * (1 - p) * (1 - p));
        var reference = Scored(g, 8000, Overconfident, u => u);
        var current = Scored(g, 8000, Overconfident, u => 0.2 + 0.6 * u);
        var report = new DriftDetector(new DriftOptions()).Compare(reference, current, new DriftRequest { Probability = "proba", Target = "label" });

        var performance = report.Performance!;
        Assert.False(performance.Calibration!.WellCalibrated);
        Assert.True(performance.Calibration.ExpectedCalibrationError > 0.05);
        Assert.True(performance.Calibration.Recalibrated);
        Assert.Contains(report.Warnings, w => w.Contains("poorly calibrated"));
        Assert.InRange(performance.CurrentEstimated!.Accuracy - performance.CurrentActual!.Accuracy, -0.02, 0.02);

        // Taken at face value the overconfident probabilities would promise far more than the model delivers.
        var naive = ClassifierPerformance.Estimate(current.Find("proba")!.Numbers!, current.Find("proba")!.Numbers!.Select(p => p >= 0.5).ToArray());
        Assert.True(naive.Accuracy - performance.CurrentActual.Accuracy > 0.05);
    }

    [Fact]
    public void ActualScoresCountTheConfusionMatrix()
    {
        bool[] labels = [true, true, true, false, false, false, false, true];
        bool[] predicted = [true, true, false, false, false, true, false, true];
        var scores = ClassifierPerformance.Actual(labels, predicted);
        Assert.Equal(6.0 / 8, scores.Accuracy, 12);
        Assert.Equal(3.0 / 4, scores.Precision, 12);
        Assert.Equal(3.0 / 4, scores.Recall, 12);
        Assert.Equal(0.75, scores.F1, 12);
    }

    [Fact]
    public void IsotonicCalibrationIsMonotoneAndMatchesObservedRates()
    {
        double[] p = [0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9];
        bool[] y = [false, true, false, false, true, true, false, true];
        var calibration = IsotonicCalibration.Fit(p, y);
        // Pool-adjacent-violators: {0.1}=0, {0.2,0.3,0.4}=1/3, {0.6,0.7,0.8}=2/3, {0.9}=1.
        Assert.Equal(0, calibration.Apply(0.05));
        Assert.Equal(1.0 / 3, calibration.Apply(0.3), 12);
        Assert.Equal(0.5, calibration.Apply(0.5), 12);
        Assert.Equal(2.0 / 3, calibration.Apply(0.75), 12);
        Assert.Equal(1, calibration.Apply(0.95));
    }

    [Fact]
    public void ItAsksWhichLabelIsPositiveWhenItCannotTell()
    {
        var reference = new DriftTable([DriftColumn.Categorical("y", Enumerable.Repeat("cat", 40).Concat(Enumerable.Repeat("dog", 40)).ToArray<string?>()),
                                        DriftColumn.Categorical("pred", Enumerable.Repeat("dog", 80).ToArray<string?>())]);
        var report = new DriftDetector(new DriftOptions()).Compare(reference, reference, new DriftRequest { Target = "y", Prediction = "pred" });
        Assert.Contains(report.Warnings, w => w.Contains("say which one is the positive class"));

        var named = new DriftDetector(new DriftOptions()).Compare(reference, reference, new DriftRequest { Target = "y", Prediction = "pred", PositiveLabel = "dog" });
        Assert.Equal(0.5, named.Performance!.ReferenceActual!.Accuracy, 12);
    }
}
