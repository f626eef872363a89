using System.Globalization;

namespace SwarmAgentBot.Ml.Drift;

/// <summary>What to compare besides the feature columns.</summary>
public sealed record DriftRequest
{
    /// <summary>Label column (target drift; actual performance where present).</summary>
    public string? Target { get; init; }

    /// <summary>The model's predicted label (or value) column: prediction drift, actual performance.</summary>
    public string? Prediction { get; init; }

    /// <summary>The model's predicted probability of the positive class: performance estimation (CBPE).</summary>
    public string? Probability { get; init; }

    /// <summary>Which target/prediction value is the positive class; default 1, true or yes.</summary>
    public string? PositiveLabel { get; init; }

    /// <summary>Columns not to test (ids, timestamps).</summary>
    public IReadOnlyCollection<string>? Ignore { get; init; }

    /// <summary>Feature importance by column (e.g. from the model registry), for the weighted drift share.</summary>
    public IReadOnlyDictionary<string, double>? FeatureImportance { get; init; }
}

/// <summary>
/// Compares a current window of data with a reference window, column by column with the method Evidently would
/// choose (or the one configured), and sums it up for the dataset, the model's predictions and its performance.
/// </summary>
/// <remarks>
/// Missing values (NaN, ±∞, empty labels) are dropped before testing, as Evidently does, and counted in the report.
/// A window with fewer than <see cref="DriftOptions.MinRows"/> rows is reported and not decided. Columns are tested
/// in parallel; each numeric column is sorted once and every statistic reads the sorted copy.
/// </remarks>
public sealed class DriftDetector
{
    private static readonly double[] ReportedQuantiles = [0.05, 0.25, 0.75, 0.95];
    private static readonly HashSet<string> PositiveWords = new(StringComparer.OrdinalIgnoreCase) { "1", "1.0", "true", "yes", "y", "positive", "pos" };
    private static readonly HashSet<string> NegativeWords = new(StringComparer.OrdinalIgnoreCase) { "0", "0.0", "false", "no", "n", "negative", "neg" };
    private const int MaxListedCategories = 10;
    private readonly DriftOptions _options;

    /// <summary>Creates a detector with validated options.</summary>
    /// <exception cref="ArgumentException">The options are invalid (the message names the setting).</exception>
    public DriftDetector(DriftOptions options)
    {
        if (options.Validate() is { } error) throw new ArgumentException(error, nameof(options));
        _options = options;
    }

    /// <summary>The options in use.</summary>
    public DriftOptions Options => _options;

    /// <summary>Compares <paramref name="current"/> with <paramref name="reference"/>.</summary>
    public DriftReport Compare(DriftTable reference, DriftTable current, DriftRequest? request = null, CancellationToken cancellationToken = default)
    {
        request ??= new DriftRequest();
        var warnings = new List<string>();
        var modelColumns = new[] { request.Target, request.Prediction, request.Probability }.OfType<string>().ToList();
        var special = new HashSet<string>(modelColumns.Concat(request.Ignore ?? []), StringComparer.Ordinal);
        foreach (var name in modelColumns.Where(n => reference.Find(n) is null && current.Find(n) is null).Distinct())
            warnings.Add($"Column '{name}' is in neither window.");

        var features = reference.Columns.Where(c => !special.Contains(c.Name)).ToList();
        var onlyCurrent = current.Columns.Where(c => !special.Contains(c.Name) && reference.Find(c.Name) is null).Select(c => c.Name).ToList();
        if (onlyCurrent.Count > 0)
            warnings.Add($"Only in the current data, not tested: {string.Join(", ", onlyCurrent)}.");

        var enoughRows = reference.RowCount >= _options.MinRows && current.RowCount >= _options.MinRows;
        if (!enoughRows)
        {
            foreach (var (window, rows) in new[] { ("reference", reference.RowCount), ("current", current.RowCount) })
                if (rows < _options.MinRows)
                    warnings.Add($"The {window} window has {rows} rows; at least {_options.MinRows} (Swarm:Drift:MinRows) are needed, so drift is not decided.");
        }

        var results = new ColumnDrift[features.Count];
        Parallel.For(0, features.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            results[i] = enoughRows
                ? CompareColumn(features[i], current.Find(features[i].Name))
                : Undecided(features[i], current.Find(features[i].Name)));
        cancellationToken.ThrowIfCancellationRequested();

        foreach (var missing in results.Where(r => r.Status == ColumnDriftStatus.MissingInCurrent))
            warnings.Add($"Column '{missing.Column}' is missing from the current data.");

        var dataset = Summarise(results, reference.RowCount, current.RowCount, request.FeatureImportance, enoughRows, warnings);

        ColumnDrift? prediction = null, target = null;
        var predictionColumn = request.Prediction ?? request.Probability;
        if (predictionColumn is not null && reference.Find(predictionColumn) is { } refPrediction)
            prediction = enoughRows ? CompareColumn(refPrediction, current.Find(predictionColumn)) : Undecided(refPrediction, current.Find(predictionColumn));
        if (request.Target is { } targetName && reference.Find(targetName) is { } refTarget && current.Find(targetName) is { } curTarget)
            target = enoughRows ? CompareColumn(refTarget, curTarget) : Undecided(refTarget, curTarget);

        var performance = Performance(reference, current, request, warnings);
        return new DriftReport
        {
            Columns = results,
            Dataset = dataset,
            Prediction = prediction,
            Target = target,
            Performance = performance,
            Warnings = warnings,
        };
    }

    /// <summary>Tests one column of the reference against the same column of the current window (null: missing there).</summary>
    public ColumnDrift CompareColumn(DriftColumn reference, DriftColumn? current)
    {
        if (current is null)
            return new ColumnDrift
            {
                Column = reference.Name, Kind = reference.Kind, Status = ColumnDriftStatus.MissingInCurrent,
                Note = "Not in the current data.",
            };
        _options.Columns.TryGetValue(reference.Name, out var overrides);
        var method = DriftMethods.Parse(overrides?.Method);
        if (reference.Kind == DriftColumnKind.Numeric && current.Kind == DriftColumnKind.Numeric)
            return CompareNumeric(reference.Name, reference.Numbers!, current.Numbers!, method, overrides?.Threshold);
        var note = reference.Kind == current.Kind ? null
            : $"Numbers in the {(reference.Kind == DriftColumnKind.Numeric ? "reference" : "current")} window but text in the other: compared as categories.";
        return CompareCategorical(reference.Name, reference.AsLabels(), current.AsLabels(), method, overrides?.Threshold, note);
    }

    private ColumnDrift CompareNumeric(string name, double[] referenceValues, double[] currentValues, DriftMethod? configured, double? configuredThreshold)
    {
        var a = FiniteSorted(referenceValues);
        var b = FiniteSorted(currentValues);
        var result = new ColumnDrift
        {
            Column = name, Kind = DriftColumnKind.Numeric, Status = ColumnDriftStatus.Tested,
            ReferenceValues = a.Length, CurrentValues = b.Length,
            ReferenceMissing = referenceValues.Length - a.Length, CurrentMissing = currentValues.Length - b.Length,
        };
        if (Unusable(result) is { } unusable) return unusable;

        var distinct = DistributionBinning.CountDistinct(a, b);
        var method = configured ?? DriftMethods.Choose(DriftColumnKind.Numeric, a.Length, distinct, _options.SmallReferenceRows, _options.MaxDistinctForCategoryTests);
        var threshold = configuredThreshold ?? method.DefaultThreshold(_options);
        double statistic;
        double? pValue = null;
        switch (method)
        {
            case DriftMethod.KolmogorovSmirnov:
                var ks = KolmogorovSmirnovTest.ComputeSorted(a, b);
                (statistic, pValue) = (ks.Statistic, ks.PValue);
                break;
            case DriftMethod.Wasserstein:
                statistic = DistanceMeasures.WassersteinNormed(a, b);
                break;
            case DriftMethod.ChiSquare:
            case DriftMethod.ZTest:
                var counts = DistributionBinning.ValueCounts(a, b);
                var test = method == DriftMethod.ChiSquare ? CategoryTests.ChiSquare(counts.Reference, counts.Current) : ZTest(counts.Reference, counts.Current);
                (statistic, pValue) = (test.Statistic, test.PValue);
                break;
            default:
                var (r, c) = DistributionBinning.NumericShares(a, b);
                statistic = Distance(method, r, c);
                break;
        }

        var refStd = DistanceMeasures.PopulationStd(a);
        var shift = new NumericShift(
            Mean(a), Mean(b), Quantile(a, 0.5), Quantile(b, 0.5), refStd, DistanceMeasures.PopulationStd(b),
            (Mean(b) - Mean(a)) / Math.Max(refStd, DistanceMeasures.MinimumNormStd),
            ReportedQuantiles.Select(q => new QuantileShift(q, Quantile(a, q), Quantile(b, q))).ToList());
        CategoryShift? categories = null;
        if (distinct <= DistributionBinning.MaxDistinctForCategories)
        {
            var counts = DistributionBinning.ValueCounts(a, b);
            categories = DescribeCategories(counts.Values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)).ToArray(), counts.Reference, counts.Current, a.Length, b.Length);
        }
        var note = a[0] == a[^1]
            ? method == DriftMethod.Wasserstein
                ? $"The reference is constant ({a[0].ToString("R", CultureInfo.InvariantCulture)}): the Wasserstein distance is divided by the 0.001 floor instead of its std."
                : $"The reference is constant ({a[0].ToString("R", CultureInfo.InvariantCulture)})."
            : null;
        return Decide(result, method, statistic, pValue, threshold) with { Numeric = shift, Categories = categories, Note = note };
    }

    private ColumnDrift CompareCategorical(string name, string?[] referenceValues, string?[] currentValues, DriftMethod? configured, double? configuredThreshold, string? note)
    {
        var refCounts = CountLabels(referenceValues, out var refTotal);
        var curCounts = CountLabels(currentValues, out var curTotal);
        var result = new ColumnDrift
        {
            Column = name, Kind = DriftColumnKind.Categorical, Status = ColumnDriftStatus.Tested,
            ReferenceValues = refTotal, CurrentValues = curTotal,
            ReferenceMissing = referenceValues.Length - refTotal, CurrentMissing = currentValues.Length - curTotal, Note = note,
        };
        if (Unusable(result) is { } unusable) return unusable;

        var keys = refCounts.Keys.Union(curCounts.Keys).Order(StringComparer.Ordinal).ToArray();
        var r = keys.Select(k => refCounts.GetValueOrDefault(k)).ToArray();
        var c = keys.Select(k => curCounts.GetValueOrDefault(k)).ToArray();
        var method = configured ?? DriftMethods.Choose(DriftColumnKind.Categorical, refTotal, keys.Length, _options.SmallReferenceRows, _options.MaxDistinctForCategoryTests);
        if (!method.Accepts(DriftColumnKind.Categorical))
            return result with
            {
                Status = ColumnDriftStatus.MethodNotApplicable, Method = method,
                Note = $"{method.ShortName()} needs numbers but '{name}' holds labels; configure chisquare, z, jensenshannon or psi for it.",
            };
        var threshold = configuredThreshold ?? method.DefaultThreshold(_options);
        double statistic;
        double? pValue = null;
        switch (method)
        {
            case DriftMethod.ChiSquare:
            case DriftMethod.ZTest:
                var test = method == DriftMethod.ChiSquare ? CategoryTests.ChiSquare(r, c) : ZTest(r, c);
                (statistic, pValue) = (test.Statistic, test.PValue);
                break;
            default:
                statistic = Distance(method, DistributionBinning.ToShares(r, refTotal), DistributionBinning.ToShares(c, curTotal));
                break;
        }
        var shift = DescribeCategories(keys, r, c, refTotal, curTotal);
        var newNote = shift.NewCategories.Count > 0 && method == DriftMethod.ChiSquare
            ? "A category never seen in the reference has expected count 0: chi-square is infinite and the p-value 0 (as in Evidently)."
            : null;
        if (keys.Length > Math.Max(50, (refTotal + curTotal) / 2))
            newNote = $"{keys.Length} distinct values in {refTotal + curTotal} rows: this looks like an identifier or a timestamp; consider ignoring it.";
        return Decide(result, method, statistic, pValue, threshold) with
        {
            Categories = shift,
            Note = string.Join(" ", new[] { note, newNote }.Where(n => n is not null)) is { Length: > 0 } joined ? joined : null,
        };
    }

    private ColumnDrift? Unusable(ColumnDrift result)
    {
        if (result.ReferenceValues == 0 || result.CurrentValues == 0)
        {
            var where = result.ReferenceValues == 0 && result.CurrentValues == 0 ? "both windows" : result.ReferenceValues == 0 ? "the reference" : "the current window";
            return result with { Status = ColumnDriftStatus.AllMissing, Note = $"Every value is missing in {where}." };
        }
        if (result.ReferenceValues < _options.MinRows || result.CurrentValues < _options.MinRows)
            return result with
            {
                Status = ColumnDriftStatus.NotEnoughValues,
                Note = $"{result.ReferenceValues} reference and {result.CurrentValues} current values; at least {_options.MinRows} each (Swarm:Drift:MinRows) are needed to decide.",
            };
        return null;
    }

    private static ColumnDrift Decide(ColumnDrift result, DriftMethod method, double statistic, double? pValue, double threshold)
    {
        var score = pValue ?? statistic;
        return result with
        {
            Method = method,
            Statistic = statistic,
            PValue = pValue,
            Distance = pValue is null ? statistic : null,
            Threshold = threshold,
            Drifted = !double.IsNaN(score) && method.IsDrift(score, threshold),
        };
    }

    private static ColumnDrift Undecided(DriftColumn reference, DriftColumn? current) => new()
    {
        Column = reference.Name,
        Kind = reference.Kind,
        Status = current is null ? ColumnDriftStatus.MissingInCurrent : ColumnDriftStatus.NotEnoughValues,
        ReferenceValues = Present(reference),
        CurrentValues = current is null ? 0 : Present(current),
        ReferenceMissing = reference.Length - Present(reference),
        CurrentMissing = current is null ? 0 : current.Length - Present(current),
        Note = current is null ? "Not in the current data." : "Too few rows in a window to decide.",
    };

    private static int Present(DriftColumn column) =>
        column.Numbers is { } numbers ? numbers.Count(double.IsFinite) : column.Labels!.Count(l => l is not null);

    private DatasetDrift Summarise(ColumnDrift[] results, int referenceRows, int currentRows, IReadOnlyDictionary<string, double>? importance, bool enoughRows, List<string> warnings)
    {
        var tested = results.Where(r => r.Status == ColumnDriftStatus.Tested).ToList();
        var drifted = tested.Count(r => r.Drifted == true);
        double? share = tested.Count > 0 ? (double)drifted / tested.Count : null;
        if (enoughRows && tested.Count == 0 && results.Length > 0) warnings.Add("No column could be tested, so dataset drift is not decided.");

        double? weighted = null;
        if (importance is not null && tested.Count > 0)
        {
            var unweighted = tested.Where(r => !importance.ContainsKey(r.Column)).Select(r => r.Column).ToList();
            if (unweighted.Count > 0)
                warnings.Add($"No feature importance for {string.Join(", ", unweighted)}: weight 0 in the weighted drift share.");
            var total = tested.Sum(r => Math.Max(0, importance.GetValueOrDefault(r.Column)));
            if (total > 0)
                weighted = tested.Where(r => r.Drifted == true).Sum(r => Math.Max(0, importance.GetValueOrDefault(r.Column))) / total;
            else
                warnings.Add("The tested columns have no positive feature importance, so there is no weighted drift share.");
        }
        return new DatasetDrift
        {
            ReferenceRows = referenceRows,
            CurrentRows = currentRows,
            ColumnsTested = tested.Count,
            ColumnsDrifted = drifted,
            DriftShare = share,
            WeightedDriftShare = weighted,
            ShareThreshold = _options.DatasetDriftShare,
            Drifted = share is { } s ? s >= _options.DatasetDriftShare : null,
            WeightedDrifted = weighted is { } w ? w >= _options.DatasetDriftShare : null,
        };
    }

    private PerformanceReport? Performance(DriftTable reference, DriftTable current, DriftRequest request, List<string> warnings)
    {
        if (request.Prediction is null && request.Probability is null) return null;
        var refTarget = request.Target is null ? null : reference.Find(request.Target);
        var curTarget = request.Target is null ? null : current.Find(request.Target);
        var refLabels = refTarget is null ? null : Binary(refTarget, request.PositiveLabel, warnings);
        var curLabels = curTarget is null ? null : Binary(curTarget, request.PositiveLabel, warnings);
        if (request.Target is not null && refTarget is null)
            warnings.Add($"The reference has no target column '{request.Target}': no actual performance or calibration check.");

        var refProbability = request.Probability is null ? null : Probabilities(reference.Find(request.Probability), request.Probability, "reference", warnings);
        var curProbability = request.Probability is null ? null : Probabilities(current.Find(request.Probability), request.Probability, "current", warnings);
        var refPredicted = Predicted(reference, request, refProbability, warnings);
        var curPredicted = Predicted(current, request, curProbability, warnings);

        ClassificationScores? referenceActual = null, currentActual = null, estimated = null;
        CalibrationCheck? calibration = null;
        if (refLabels is not null && refPredicted is not null)
            referenceActual = ActualScores(refLabels, refPredicted);
        if (curLabels is not null && curPredicted is not null)
            currentActual = ActualScores(curLabels, curPredicted);

        if (curProbability is not null && curPredicted is not null)
        {
            IsotonicCalibration? calibrator = null;
            if (refLabels is not null && refProbability is not null)
            {
                var rows = Enumerable.Range(0, reference.RowCount).Where(i => refLabels[i] is not null && !double.IsNaN(refProbability[i])).ToArray();
                if (rows.Length >= _options.MinRows)
                {
                    var p = rows.Select(i => refProbability[i]).ToArray();
                    var y = rows.Select(i => refLabels[i]!.Value).ToArray();
                    var ece = ClassifierPerformance.ExpectedCalibrationError(p, y, _options.CalibrationBins);
                    var well = ece <= _options.CalibrationErrorThreshold;
                    if (!well)
                    {
                        calibrator = IsotonicCalibration.Fit(p, y);
                        warnings.Add($"The predicted probabilities are poorly calibrated on the reference (expected calibration error {ece:0.###} > {_options.CalibrationErrorThreshold}); the performance estimate uses probabilities recalibrated on the reference.");
                    }
                    calibration = new CalibrationCheck(ece, _options.CalibrationBins, _options.CalibrationErrorThreshold, well, calibrator is not null);
                }
                else warnings.Add($"Only {rows.Length} labelled reference rows with probabilities: calibration not checked.");
            }
            else warnings.Add("No labelled reference with probabilities: the performance estimate assumes the probabilities are calibrated.");

            var usable = Enumerable.Range(0, current.RowCount).Where(i => !double.IsNaN(curProbability[i]) && curPredicted[i] is not null).ToArray();
            if (usable.Length > 0)
            {
                var probabilities = usable.Select(i => calibrator?.Apply(curProbability[i]) ?? curProbability[i]).ToArray();
                estimated = ClassifierPerformance.Estimate(probabilities, usable.Select(i => curPredicted[i]!.Value).ToArray());
            }
        }
        if (referenceActual is null && currentActual is null && estimated is null) return null;
        return new PerformanceReport { ReferenceActual = referenceActual, CurrentActual = currentActual, CurrentEstimated = estimated, Calibration = calibration };
    }

    private static ClassificationScores? ActualScores(bool?[] labels, bool?[] predicted)
    {
        var rows = Enumerable.Range(0, labels.Length).Where(i => labels[i] is not null && predicted[i] is not null).ToArray();
        return rows.Length == 0 ? null : ClassifierPerformance.Actual(rows.Select(i => labels[i]!.Value).ToArray(), rows.Select(i => predicted[i]!.Value).ToArray());
    }

    private static bool?[]? Predicted(DriftTable table, DriftRequest request, double[]? probability, List<string> warnings)
    {
        if (request.Prediction is not null && table.Find(request.Prediction) is { } column)
            return Binary(column, request.PositiveLabel, warnings);
        // Without a label column the model's decision is probability ≥ 0.5.
        return probability is null ? null : Array.ConvertAll(probability, p => double.IsNaN(p) ? (bool?)null : p >= 0.5);
    }

    private static double[]? Probabilities(DriftColumn? column, string name, string window, List<string> warnings)
    {
        if (column is null)
        {
            warnings.Add($"The {window} window has no probability column '{name}'.");
            return null;
        }
        if (column.Numbers is not { } numbers || numbers.Any(p => p is < 0 or > 1))
        {
            warnings.Add($"Column '{name}' in the {window} window is not a probability between 0 and 1: no performance estimate.");
            return null;
        }
        return numbers;
    }

    /// <summary>Maps a label column to positive/negative (null = missing); null with a warning when it is not binary.</summary>
    private static bool?[]? Binary(DriftColumn column, string? positiveLabel, List<string> warnings)
    {
        var labels = column.AsLabels();
        var distinct = labels.OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count > 2)
        {
            warnings.Add($"Column '{column.Name}' has {distinct.Count} classes; performance is computed for binary classifiers only.");
            return null;
        }
        Func<string, bool> isPositive;
        if (positiveLabel is not null)
        {
            var number = double.TryParse(positiveLabel, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : double.NaN;
            isPositive = l => string.Equals(l, positiveLabel, StringComparison.OrdinalIgnoreCase) ||
                              (column.Kind == DriftColumnKind.Numeric && double.Parse(l, CultureInfo.InvariantCulture) == number);
        }
        else if (distinct.All(l => PositiveWords.Contains(l) || NegativeWords.Contains(l)))
            isPositive = PositiveWords.Contains;
        else
        {
            warnings.Add($"Column '{column.Name}' has labels {string.Join(", ", distinct)}: say which one is the positive class.");
            return null;
        }
        return Array.ConvertAll(labels, l => l is null ? (bool?)null : isPositive(l));
    }

    private static double Distance(DriftMethod method, double[] referenceShares, double[] currentShares)
    {
        if (method == DriftMethod.JensenShannon) return DistanceMeasures.JensenShannon(referenceShares, currentShares);
        DistributionBinning.FillEmptyBins(referenceShares);
        DistributionBinning.FillEmptyBins(currentShares);
        return DistanceMeasures.PopulationStabilityIndex(referenceShares, currentShares);
    }

    /// <summary>Evidently's Z-test on value counts: the first value (in sorted order) against all the others.</summary>
    private static TestResult ZTest(long[] reference, long[] current)
    {
        long refTotal = reference.Sum(), curTotal = current.Sum();
        return CategoryTests.TwoProportionZ(refTotal - reference[0], refTotal, curTotal - current[0], curTotal);
    }

    private CategoryShift DescribeCategories(string[] keys, long[] reference, long[] current, long referenceTotal, long currentTotal)
    {
        var shares = keys.Select((k, i) => new CategoryShare(k, (double)reference[i] / referenceTotal, (double)current[i] / currentTotal)).ToList();
        var added = shares.Where((_, i) => reference[i] == 0 && current[i] > 0).OrderByDescending(s => s.CurrentShare).ThenBy(s => s.Category, StringComparer.Ordinal).ToList();
        var vanished = shares.Where((_, i) => reference[i] > 0 && current[i] == 0).OrderByDescending(s => s.ReferenceShare).ThenBy(s => s.Category, StringComparer.Ordinal).ToList();
        var biggest = shares.Where(s => s.Change != 0).OrderByDescending(s => Math.Abs(s.Change)).ThenBy(s => s.Category, StringComparer.Ordinal).Take(_options.TopCategoryChanges).ToList();
        return new CategoryShift(added.Take(MaxListedCategories).ToList(), vanished.Take(MaxListedCategories).ToList(), biggest) { NewCount = added.Count, VanishedCount = vanished.Count };
    }

    private static Dictionary<string, long> CountLabels(string?[] values, out int total)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        total = 0;
        foreach (var v in values)
        {
            if (v is null) continue;
            counts[v] = counts.GetValueOrDefault(v) + 1;
            total++;
        }
        return counts;
    }

    private static double[] FiniteSorted(double[] values)
    {
        var finite = 0;
        foreach (var x in values) if (double.IsFinite(x)) finite++;
        double[] copy;
        if (finite == values.Length) copy = (double[])values.Clone();
        else
        {
            copy = new double[finite];
            var at = 0;
            foreach (var x in values) if (double.IsFinite(x)) copy[at++] = x;
        }
        FloatSort.Sort(copy);
        return copy;
    }

    private static double Mean(double[] values)
    {
        var sum = new CompensatedSum();
        foreach (var x in values) sum.Add(x);
        return sum.Value / values.Length;
    }

    /// <summary>numpy's default (linear) quantile of a sorted sample.</summary>
    private static double Quantile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var lo = (int)Math.Floor(position);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
    }
}
