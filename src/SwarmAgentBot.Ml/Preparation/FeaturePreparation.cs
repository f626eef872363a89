using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SwarmAgentBot.Ml.AutoMl;
using SwarmAgentBot.Ml.Tabular;

namespace SwarmAgentBot.Ml.Preparation;

/// <summary>The result of fitting a preparation on training data.</summary>
/// <param name="Preparation">The fitted, serialisable transform.</param>
/// <param name="Features">Training features; target-encoded columns hold out-of-fold values so the model never sees a row's own target.</param>
/// <param name="Labels">Class index (classification) or value (regression) per kept row.</param>
/// <param name="SourceRows">For each kept row, its index in the input table (rows with a missing target are left out).</param>
public sealed record PreparedTraining(FeaturePreparation Preparation, FeatureMatrix Features, float[] Labels, int[] SourceRows);

/// <summary>
/// A fitted transform from raw cells to model features, plus the target's definition (task and class labels).
/// It is serialised as JSON with the model, so serving applies exactly the transform used in training to raw
/// records (field → string/number/bool) or CSV rows. Leakage guards drop identifier-like columns and columns that
/// copy the target.
/// </summary>
public sealed class FeaturePreparation
{
    /// <summary>Categories with fewer training rows than this are target-encoded as the overall mean.</summary>
    private const int MinTargetEncodingCount = 5;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly State _state;
    private readonly Dictionary<string, int> _labelIndex;
    private JsonRecordEncoder? _jsonRecords;

    private FeaturePreparation(State state)
    {
        _state = state;
        _labelIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < state.ClassLabels.Length; i++) _labelIndex[state.ClassLabels[i]] = i;
        FeatureNames = BuildFeatureNames(state.Columns);
        FeatureSources = state.Columns.SelectMany(c => Enumerable.Repeat(c.Column, c.Width)).ToArray();
    }

    /// <summary>The target column.</summary>
    public string Target => _state.Target;

    /// <summary>The task.</summary>
    public TaskKind Task => _state.Task;

    /// <summary>Class labels by class index (empty for regression). For binary, index 1 is the positive class.</summary>
    public IReadOnlyList<string> ClassLabels => _state.ClassLabels;

    /// <summary>How each used column is encoded, in feature order.</summary>
    public IReadOnlyList<ColumnEncoding> Columns => _state.Columns;

    /// <summary>Columns not used, with the reason.</summary>
    public IReadOnlyList<DroppedColumn> Dropped => _state.Dropped;

    /// <summary>The input fields a record must have (the used source columns).</summary>
    public IReadOnlyList<string> InputColumns => _state.Columns.Select(c => c.Column).ToArray();

    /// <summary>Feature names, e.g. age, color=red, city#freq, city#target, signup#month.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>For each feature, the source column it came from (maps importance back to columns).</summary>
    public IReadOnlyList<string> FeatureSources { get; }

    /// <summary>Number of features.</summary>
    public int FeatureCount => FeatureNames.Count;

    /// <summary>
    /// Fits the preparation on a table: checks the target, infers the task and column kinds, applies the
    /// leakage guards, learns encodings, and returns the training matrix and labels.
    /// </summary>
    /// <exception cref="TrainingInputException">The target is missing, constant, unusable, or no feature column is left.</exception>
    public static PreparedTraining Fit(TabularData data, PreparationOptions options)
    {
        var targetIndex = data.IndexOf(options.Target);
        if (targetIndex < 0) throw new TrainingInputException(MissingColumnMessage(options.Target, data.ColumnNames, data.SourceName));
        var rawTarget = data.Column(targetIndex);
        var keptRows = Enumerable.Range(0, data.RowCount).Where(r => !MissingValues.IsMissing(rawTarget[r])).ToArray();
        if (keptRows.Length == 0) throw new TrainingInputException($"The target column '{options.Target}' has no values: every row is empty.");
        var targetValues = keptRows.Select(r => rawTarget[r]!.Trim()).ToArray();
        var targetProfile = ColumnTypeInference.InferColumn(options.Target, targetValues);
        if (targetProfile.Distinct == 1)
            throw new TrainingInputException($"The target column '{options.Target}' has the same value ('{targetValues[0]}') in all {keptRows.Length} rows: there is nothing to learn.");

        var (task, labels) = DefineTarget(options, targetValues, targetProfile);
        var labelIndex = labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        var y = task == TaskKind.Regression
            ? targetValues.Select(v => { ColumnTypeInference.TryParseNumber(v, out var d); return (float)d; }).ToArray()
            : targetValues.Select(v => (float)labelIndex[v]).ToArray();
        if (options.CheckRowCounts) CheckRowCounts(options.Target, task, labels, y);

        var train = keptRows.Length == data.RowCount ? data : data.SelectRows(keptRows);
        var dropped = new List<DroppedColumn>();
        var encodings = new List<ColumnEncoding>();
        var drop = new HashSet<string>(options.DropColumns, StringComparer.Ordinal);
        var classIndex = task == TaskKind.Regression ? null : y.Select(v => (int)v).ToArray();
        var folds = DataSplits.StratifiedFolds(classIndex, train.RowCount, Math.Max(2, options.TargetEncodingFolds), options.Seed);
        var offset = 0;
        var oofColumns = new Dictionary<string, float[][]>(StringComparer.Ordinal);
        for (var c = 0; c < train.ColumnCount; c++)
        {
            var name = train.ColumnNames[c];
            if (c == targetIndex) continue;
            if (drop.Contains(name)) { dropped.Add(new DroppedColumn(name, "asked to drop")); continue; }
            var cells = train.Column(c);
            var profile = ColumnTypeInference.InferColumn(name, cells);
            var reason = profile.Kind switch
            {
                ColumnKind.Empty => "all values are missing",
                ColumnKind.Identifier => "looks like a row identifier (unique per row)",
                _ => null,
            };
            reason ??= CopiesTarget(cells, targetValues, task, labels.Length) ? "copies the target (leakage guard)" : null;
            if (reason is not null) { dropped.Add(new DroppedColumn(name, reason)); continue; }
            if (profile.Kind == ColumnKind.Text)
            {
                // Free text: its length, word count and a few frequent words (titles, keywords) as 0/1 features.
                var words = TextFeatures.FrequentWords(cells);
                if (words.Length == 0) { dropped.Add(new DroppedColumn(name, "free text with no word frequent enough to use")); continue; }
                var text = new ColumnEncoding { Column = name, Kind = profile.Kind, Encoding = "text", Offset = offset, Width = TextFeatures.Width(words), Words = words };
                encodings.Add(text);
                offset += text.Width;
                continue;
            }

            var encoding = FitColumn(name, profile, cells, y, task, labels.Length, options, offset, folds, out var oof);
            if (oof is not null) oofColumns[name] = oof;
            encodings.Add(encoding);
            offset += encoding.Width;
        }
        if (encodings.Count == 0)
            throw new TrainingInputException($"No column can be used as a feature for '{options.Target}': " +
                string.Join("; ", dropped.Select(d => $"{d.Column}: {d.Reason}")) + ".");

        var unscaled = new FeaturePreparation(new State(options.Target, task, labels, encodings.ToArray(), dropped.ToArray()));
        var features = unscaled.Transform(train);
        // Replace in-sample target statistics by out-of-fold ones for the training rows.
        foreach (var enc in encodings)
        {
            if (!oofColumns.TryGetValue(enc.Column, out var oof)) continue;
            var start = enc.Offset + 1; // after the frequency feature
            for (var r = 0; r < train.RowCount; r++)
                for (var k = 0; k < oof.Length; k++)
                    features.Values[r * features.Columns + start + k] = oof[k][r];
        }
        // Standardise continuous features: trees do not care, the linear learner and its regularisation do.
        var (center, scale) = FitScaling(encodings, features);
        var preparation = new FeaturePreparation(new State(options.Target, task, labels, encodings.ToArray(), dropped.ToArray()) { Center = center, Scale = scale });
        for (var r = 0; r < features.Rows; r++) preparation.ApplyScaling(features.Values.AsSpan(r * features.Columns, features.Columns));
        return new PreparedTraining(preparation, features, y, keptRows);
    }

    private static (double[] Center, double[] Scale) FitScaling(List<ColumnEncoding> encodings, FeatureMatrix features)
    {
        var center = new double[features.Columns];
        var scale = Enumerable.Repeat(1.0, features.Columns).ToArray();
        foreach (var enc in encodings)
        {
            if (enc.Encoding is not ("numeric" or "datetime" or "frequency_target" or "text")) continue;
            // Frequency: the share only (target statistics are already in [0, 1]); text: length and word count, not the 0/1 word flags.
            var width = enc.Encoding switch { "frequency_target" => 1, "text" => TextFeatures.CountFeatures, _ => enc.Width };
            for (var j = enc.Offset; j < enc.Offset + width; j++)
            {
                double sum = 0, sumSq = 0;
                var n = 0;
                for (var r = 0; r < features.Rows; r++)
                {
                    var v = features.Values[r * features.Columns + j];
                    if (float.IsNaN(v)) continue;
                    sum += v;
                    sumSq += (double)v * v;
                    n++;
                }
                if (n < 2) continue;
                var mean = sum / n;
                var sd = Math.Sqrt(Math.Max(0, sumSq / n - mean * mean));
                center[j] = mean;
                scale[j] = sd > 1e-12 ? sd : 1;
            }
        }
        return (center, scale);
    }

    internal void ApplyScaling(Span<float> row)
    {
        if (_state.Center is not { } center || _state.Scale is not { } scale) return;
        for (var j = 0; j < row.Length; j++)
            if (center[j] != 0 || scale[j] != 1) row[j] = (float)((row[j] - center[j]) / scale[j]);
    }

    /// <summary>
    /// Transforms a table with the fitted encodings. Columns are matched by name (extra columns, such as the target,
    /// are ignored). A missing column or an unparsable cell raises <see cref="RecordValidationException"/> naming the
    /// column and, when known, the line.
    /// </summary>
    public FeatureMatrix Transform(TabularData data)
    {
        var columns = FeatureCount;
        var values = new float[data.RowCount * columns];
        foreach (var enc in _state.Columns)
        {
            var index = data.IndexOf(enc.Column);
            if (index < 0) throw new RecordValidationException(enc.Column, $"The data has no column '{enc.Column}', which the model needs. {Suggest(enc.Column, data.ColumnNames)}".TrimEnd());
            var cells = data.Column(index);
            for (var r = 0; r < data.RowCount; r++)
            {
                var error = EncodeText(enc, cells[r], values.AsSpan(r * columns + enc.Offset, enc.Width));
                if (error is not null) throw new RecordValidationException(enc.Column, error, data.LineNumbers?[r]);
            }
        }
        for (var r = 0; r < data.RowCount; r++) ApplyScaling(values.AsSpan(r * columns, columns));
        return new FeatureMatrix(values, data.RowCount, columns);
    }

    /// <summary>
    /// Transforms one record (field → value) into <paramref name="destination"/> (length <see cref="FeatureCount"/>).
    /// Values may be strings, numbers, booleans, <see cref="JsonElement"/>s or null (= missing). Field names match
    /// exactly, or ignoring case when there is no exact match.
    /// </summary>
    /// <exception cref="RecordValidationException">A field is absent or has a value of the wrong type.</exception>
    public void TransformRecord(IReadOnlyDictionary<string, object?> record, Span<float> destination)
    {
        if (destination.Length < FeatureCount) throw new ArgumentException($"The destination needs {FeatureCount} slots.", nameof(destination));
        foreach (var enc in _state.Columns)
        {
            if (!TryGetField(record, enc.Column, out var value))
                throw new RecordValidationException(enc.Column, MissingFieldMessage(enc.Column));
            var slot = destination.Slice(enc.Offset, enc.Width);
            var error = value switch
            {
                null => EncodeText(enc, null, slot),
                string s => EncodeText(enc, s, slot),
                bool b => EncodeBoolean(enc, b, slot),
                JsonElement e => EncodeJson(enc, e, slot),
                IConvertible number when IsNumber(number) => EncodeNumber(enc, number.ToDouble(CultureInfo.InvariantCulture), slot),
                _ => $"Field '{enc.Column}' has a value of type {value.GetType().Name}; send a string, a number, a boolean or null.",
            };
            if (error is not null) throw new RecordValidationException(enc.Column, error);
        }
        ApplyScaling(destination[..FeatureCount]);
    }

    /// <summary>Encodes records sent as JSON objects straight into feature rows (serving); created once per preparation.</summary>
    public JsonRecordEncoder JsonRecords => _jsonRecords ??= new JsonRecordEncoder(this);

    /// <summary>The message for a record that lacks a field the model needs.</summary>
    internal static string MissingFieldMessage(string column) => $"The record has no field '{column}', which the model needs (send null if the value is unknown).";

    /// <summary>The class index of a label, or -1 when the model does not know it.</summary>
    public int ClassIndexOf(string label) => _labelIndex.TryGetValue(label.Trim(), out var i) ? i : -1;

    /// <summary>
    /// Encodes the target column of a table (for evaluation): class index or value per row. Rows with a missing or
    /// unknown target raise <see cref="TrainingInputException"/>.
    /// </summary>
    public float[] EncodeTarget(TabularData data)
    {
        var cells = data.Column(data.IndexOf(Target) >= 0 ? Target : throw new TrainingInputException(MissingColumnMessage(Target, data.ColumnNames, data.SourceName)));
        var y = new float[data.RowCount];
        for (var r = 0; r < y.Length; r++)
        {
            var cell = cells[r];
            var line = data.LineNumbers is { } lines ? $" (line {lines[r]})" : "";
            if (MissingValues.IsMissing(cell)) throw new TrainingInputException($"Row {r + 1}{line} has no value for the target '{Target}'.");
            if (Task == TaskKind.Regression)
            {
                if (!ColumnTypeInference.TryParseNumber(cell, out var d)) throw new TrainingInputException($"Row {r + 1}{line}: the target '{Target}' must be a number, got '{cell}'.");
                y[r] = (float)d;
            }
            else
            {
                var index = ClassIndexOf(cell!);
                if (index < 0) throw new TrainingInputException($"Row {r + 1}{line}: '{cell}' is not one of the classes the model knows ({string.Join(", ", ClassLabels)}).");
                y[r] = index;
            }
        }
        return y;
    }

    /// <summary>Serialises the fitted preparation as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(_state, Json);

    /// <summary>Reads a preparation written by <see cref="ToJson"/>.</summary>
    public static FeaturePreparation FromJson(string json)
    {
        var state = JsonSerializer.Deserialize<State>(json, Json) ?? throw new InvalidDataException("The preparation JSON is empty.");
        return new FeaturePreparation(state);
    }

    /// <summary>A message for a column that does not exist, suggesting the closest names by edit distance.</summary>
    public static string MissingColumnMessage(string column, IReadOnlyList<string> available, string? source = null)
    {
        var where = source is null ? "the data" : source;
        return $"There is no column '{column}' in {where}. {Suggest(column, available)}".TrimEnd() +
               (available.Count <= 30 ? $" Columns: {string.Join(", ", available)}." : "");
    }

    private static string Suggest(string column, IReadOnlyList<string> available)
    {
        var close = available
            .Select(a => (Name: a, Distance: EditDistance.Levenshtein(column.ToLowerInvariant(), a.ToLowerInvariant())))
            .Where(x => x.Distance <= Math.Max(2, column.Length / 3))
            .OrderBy(x => x.Distance).ThenBy(x => x.Name, StringComparer.Ordinal)
            .Take(3).Select(x => $"'{x.Name}'").ToList();
        return close.Count == 0 ? "" : $"Did you mean {string.Join(" or ", close)}?";
    }

    private static (TaskKind Task, string[] Labels) DefineTarget(PreparationOptions options, string[] values, ColumnProfile profile)
    {
        var numeric = profile.Kind is ColumnKind.Numeric or ColumnKind.Identifier && values.All(v => ColumnTypeInference.TryParseNumber(v, out _));
        var integral = numeric && values.All(v => ColumnTypeInference.TryParseNumber(v, out var d) && d == Math.Floor(d));
        var task = options.Task;
        if (task == TaskKind.Regression)
        {
            if (!numeric) throw new TrainingInputException($"Regression needs a numeric target, but '{options.Target}' has values such as '{values.First(v => !ColumnTypeInference.TryParseNumber(v, out _))}'. Use classification instead.");
            return (TaskKind.Regression, []);
        }
        if (task is null && numeric && !(integral && profile.Distinct <= 20)) return (TaskKind.Regression, []);

        var distinct = values.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count > 100)
            throw new TrainingInputException($"The target '{options.Target}' has {distinct.Count} different values: too many classes for classification (at most 100). Is it numeric? Then ask for regression.");
        var labels = numeric
            ? distinct.OrderBy(v => double.Parse(v, CultureInfo.InvariantCulture)).ThenBy(v => v, StringComparer.Ordinal).ToList()
            : distinct.OrderBy(v => v, StringComparer.Ordinal).ToList();
        if (labels.Count == 2)
        {
            var positive = options.PositiveClass ?? labels.FirstOrDefault(l => ColumnTypeInference.TryParseBoolean(l, out var b) && b);
            if (options.PositiveClass is not null && !labels.Contains(options.PositiveClass))
                throw new TrainingInputException($"The positive class '{options.PositiveClass}' is not a value of '{options.Target}' ({string.Join(", ", labels)}).");
            if (positive is not null && labels[0] == positive) labels.Reverse();
        }
        var inferred = labels.Count == 2 ? TaskKind.BinaryClassification : TaskKind.MulticlassClassification;
        if (task == TaskKind.BinaryClassification && labels.Count != 2)
            throw new TrainingInputException($"Binary classification needs exactly two classes, but '{options.Target}' has {labels.Count}: {string.Join(", ", labels.Take(10))}.");
        return (task == TaskKind.MulticlassClassification ? TaskKind.MulticlassClassification : inferred, labels.ToArray());
    }

    private static void CheckRowCounts(string target, TaskKind task, string[] labels, float[] y)
    {
        const int minimumRows = 20;
        if (y.Length < minimumRows)
            throw new TrainingInputException($"Only {y.Length} rows have a value for '{target}': training needs at least {minimumRows}.");
        if (task == TaskKind.Regression) return;
        var counts = new int[labels.Length];
        foreach (var v in y) counts[(int)v]++;
        var rare = labels.Where((_, i) => counts[i] < 2).ToList();
        if (rare.Count > 0)
            throw new TrainingInputException($"The class(es) {string.Join(", ", rare.Select(r => $"'{r}'"))} of '{target}' occur only once; each class needs at least 2 rows (remove those rows or merge the classes).");
    }

    private static bool CopiesTarget(IReadOnlyList<string?> cells, string[] target, TaskKind task, int classes)
    {
        var identical = true;
        for (var r = 0; r < cells.Count && identical; r++)
            identical = string.Equals(cells[r]?.Trim(), target[r], StringComparison.OrdinalIgnoreCase);
        if (identical) return true;
        if (task == TaskKind.Regression) return false;
        // A one-to-one relabelling of the target (e.g. "yes"/"no" beside 1/0) is a copy too.
        var forward = new Dictionary<string, string>(StringComparer.Ordinal);
        var backward = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var r = 0; r < cells.Count; r++)
        {
            var cell = cells[r]?.Trim();
            if (cell is null) return false;
            if (forward.TryGetValue(cell, out var t) && t != target[r]) return false;
            if (backward.TryGetValue(target[r], out var c) && c != cell) return false;
            forward[cell] = target[r];
            backward[target[r]] = cell;
        }
        return forward.Count == classes;
    }

    private static ColumnEncoding FitColumn(string name, ColumnProfile profile, IReadOnlyList<string?> cells, float[] y, TaskKind task, int classes,
        PreparationOptions options, int offset, int[] folds, out float[][]? outOfFold)
    {
        outOfFold = null;
        switch (profile.Kind)
        {
            case ColumnKind.Numeric:
                return new ColumnEncoding { Column = name, Kind = profile.Kind, Encoding = "numeric", Offset = offset, Width = 1 };
            case ColumnKind.Boolean:
                return new ColumnEncoding { Column = name, Kind = profile.Kind, Encoding = "boolean", Offset = offset, Width = 1 };
            case ColumnKind.DateTime:
            {
                var hasTime = cells.Any(c => ColumnTypeInference.TryParseDate(c, profile.DateFormat, out var d) && d.TimeOfDay != TimeSpan.Zero);
                string[] parts = hasTime ? ["year", "month", "day", "dayofweek", "hour", "days"] : ["year", "month", "day", "dayofweek", "days"];
                return new ColumnEncoding { Column = name, Kind = profile.Kind, Encoding = "datetime", Offset = offset, Width = parts.Length, DateFormat = profile.DateFormat, DateParts = parts };
            }
        }

        var values = cells.Select(c => MissingValues.IsMissing(c) ? null : c!.Trim()).ToArray();
        if (profile.Distinct <= options.OneHotMaxCardinality)
        {
            var categories = values.Where(v => v is not null).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray()!;
            return new ColumnEncoding { Column = name, Kind = profile.Kind, Encoding = "onehot", Offset = offset, Width = categories.Length, Categories = categories! };
        }

        // High cardinality: frequency, plus smoothed target statistics fitted out of fold for the training rows.
        var k = task switch { TaskKind.MulticlassClassification => classes <= 10 ? classes : 0, _ => 1 };
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var v in values) if (v is not null) counts[v] = counts.GetValueOrDefault(v) + 1;
        var frequencies = counts.ToDictionary(kv => kv.Key, kv => kv.Value / (double)values.Length, StringComparer.Ordinal);
        Dictionary<string, double[]>? means = null;
        double[]? prior = null;
        if (k > 0)
        {
            var rows = Enumerable.Range(0, values.Length).ToArray();
            (means, prior) = TargetStatistics(values, y, rows, task, k, options.TargetEncodingSmoothing);
            var foldCount = folds.Max() + 1;
            outOfFold = Enumerable.Range(0, k).Select(_ => new float[values.Length]).ToArray();
            for (var f = 0; f < foldCount; f++)
            {
                var fitRows = rows.Where(r => folds[r] != f).ToArray();
                var (foldMeans, foldPrior) = TargetStatistics(values, y, fitRows, task, k, options.TargetEncodingSmoothing);
                for (var r = 0; r < values.Length; r++)
                {
                    if (folds[r] != f) continue;
                    var stats = values[r] is { } v && foldMeans.TryGetValue(v, out var m) ? m : foldPrior;
                    for (var j = 0; j < k; j++) outOfFold[j][r] = (float)stats[j];
                }
            }
        }
        return new ColumnEncoding
        {
            Column = name, Kind = profile.Kind, Encoding = "frequency_target", Offset = offset, Width = 1 + k,
            Frequencies = frequencies, TargetMeans = means, TargetPrior = prior,
        };
    }

    private static (Dictionary<string, double[]> Means, double[] Prior) TargetStatistics(string?[] values, float[] y, int[] rows, TaskKind task, int k, double smoothing)
    {
        double[] Stat(float label) => task switch
        {
            TaskKind.Regression => [label],
            TaskKind.BinaryClassification => [label],
            _ => Enumerable.Range(0, k).Select(j => (int)label == j ? 1.0 : 0.0).ToArray(),
        };
        var prior = new double[k];
        var sums = new Dictionary<string, (double[] Sum, int Count)>(StringComparer.Ordinal);
        foreach (var r in rows)
        {
            var s = Stat(y[r]);
            for (var j = 0; j < k; j++) prior[j] += s[j];
            if (values[r] is not { } v) continue;
            if (!sums.TryGetValue(v, out var acc)) acc = (new double[k], 0);
            for (var j = 0; j < k; j++) acc.Sum[j] += s[j];
            sums[v] = (acc.Sum, acc.Count + 1);
        }
        for (var j = 0; j < k; j++) prior[j] /= Math.Max(1, rows.Length);
        // Categories seen only a few times carry more noise than signal: they get the overall mean (the frequency
        // feature still tells the model they are rare).
        foreach (var rare in sums.Where(kv => kv.Value.Count < MinTargetEncodingCount).Select(kv => kv.Key).ToList()) sums.Remove(rare);
        var means = sums.ToDictionary(
            kv => kv.Key,
            kv => Enumerable.Range(0, k).Select(j => (kv.Value.Sum[j] + smoothing * prior[j]) / (kv.Value.Count + smoothing)).ToArray(),
            StringComparer.Ordinal);
        return (means, prior);
    }

    internal static string? EncodeText(ColumnEncoding enc, string? raw, Span<float> slot)
    {
        var missing = MissingValues.IsMissing(raw);
        var text = missing ? null : raw!.Trim();
        switch (enc.Encoding)
        {
            case "numeric":
                if (text is null) { slot[0] = float.NaN; return null; }
                if (!ColumnTypeInference.TryParseNumber(text, out var d)) return $"Field '{enc.Column}' must be a number, got '{Shorten(text)}'.";
                slot[0] = (float)d;
                return null;
            case "boolean":
                if (text is null) { slot[0] = float.NaN; return null; }
                if (!ColumnTypeInference.TryParseBoolean(text, out var b)) return $"Field '{enc.Column}' must be a boolean (true/false, yes/no, 1/0), got '{Shorten(text)}'.";
                slot[0] = b ? 1 : 0;
                return null;
            case "datetime":
                if (text is null) { slot.Fill(float.NaN); return null; }
                if (!ColumnTypeInference.TryParseDate(text, enc.DateFormat, out var date) && !ColumnTypeInference.TryParseDate(text, null, out date))
                    return $"Field '{enc.Column}' must be a date like {enc.DateFormat}, got '{Shorten(text)}'.";
                WriteDate(enc.DateParts!, date, slot);
                return null;
            case "onehot":
                slot.Clear();
                if (text is null) return null;
                var at = Array.IndexOf(enc.Categories!, text);
                if (at >= 0) slot[at] = 1;
                return null;
            case "frequency_target":
                slot[0] = text is not null && enc.Frequencies!.TryGetValue(text, out var f) ? (float)f : 0f;
                if (enc.TargetMeans is not null)
                {
                    var stats = text is not null && enc.TargetMeans.TryGetValue(text, out var m) ? m : enc.TargetPrior!;
                    for (var j = 0; j < stats.Length; j++) slot[1 + j] = (float)stats[j];
                }
                return null;
            case "text":
                TextFeatures.Encode(text, enc.Words!, slot);
                return null;
            default:
                return $"Unknown encoding '{enc.Encoding}' for field '{enc.Column}'.";
        }
    }

    internal static string? EncodeNumber(ColumnEncoding enc, double value, Span<float> slot)
    {
        switch (enc.Encoding)
        {
            case "numeric":
                slot[0] = double.IsFinite(value) ? (float)value : float.NaN;
                return null;
            case "boolean" when value is 0 or 1:
                slot[0] = (float)value;
                return null;
            case "boolean":
                return $"Field '{enc.Column}' must be a boolean (true/false or 1/0), got {value.ToString(CultureInfo.InvariantCulture)}.";
            case "datetime":
                return $"Field '{enc.Column}' must be a date string like {enc.DateFormat}, got the number {value.ToString(CultureInfo.InvariantCulture)}.";
            default:
                // Categories read from CSV are text; a number such as 3 matches the category "3".
                return EncodeText(enc, value.ToString(CultureInfo.InvariantCulture), slot);
        }
    }

    internal static string? EncodeBoolean(ColumnEncoding enc, bool value, Span<float> slot) => enc.Encoding switch
    {
        "boolean" or "numeric" => EncodeNumber(enc with { Encoding = "numeric" }, value ? 1 : 0, slot),
        "datetime" => $"Field '{enc.Column}' must be a date string like {enc.DateFormat}, got a boolean.",
        _ => EncodeCategoricalBoolean(enc, value, slot),
    };

    private static string? EncodeCategoricalBoolean(ColumnEncoding enc, bool value, Span<float> slot)
    {
        // Match the spelling used in training (true/True/TRUE…), else the lower-case word.
        var known = enc.Categories ?? enc.Frequencies?.Keys.ToArray() ?? [];
        var word = known.FirstOrDefault(k => ColumnTypeInference.TryParseBoolean(k, out var b) && b == value) ?? (value ? "true" : "false");
        return EncodeText(enc, word, slot);
    }

    private static string? EncodeJson(ColumnEncoding enc, JsonElement element, Span<float> slot) => element.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => EncodeText(enc, null, slot),
        JsonValueKind.String => EncodeText(enc, element.GetString(), slot),
        JsonValueKind.Number => EncodeNumber(enc, element.GetDouble(), slot),
        JsonValueKind.True => EncodeBoolean(enc, true, slot),
        JsonValueKind.False => EncodeBoolean(enc, false, slot),
        _ => $"Field '{enc.Column}' must be a string, a number, a boolean or null, got a JSON {element.ValueKind.ToString().ToLowerInvariant()}.",
    };

    private static bool IsNumber(IConvertible value) => value.GetTypeCode() is TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16
        or TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64 or TypeCode.Single or TypeCode.Double or TypeCode.Decimal;

    private static void WriteDate(string[] parts, DateTime date, Span<float> slot)
    {
        for (var i = 0; i < parts.Length; i++)
            slot[i] = parts[i] switch
            {
                "year" => date.Year,
                "month" => date.Month,
                "day" => date.Day,
                "dayofweek" => (int)date.DayOfWeek,
                "hour" => date.Hour,
                "days" => (float)(date - DateTime.UnixEpoch).TotalDays,
                _ => float.NaN,
            };
    }

    private static bool TryGetField(IReadOnlyDictionary<string, object?> record, string name, out object? value)
    {
        if (record.TryGetValue(name, out value)) return true;
        foreach (var (key, v) in record)
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase)) { value = v; return true; }
        value = null;
        return false;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static string[] BuildFeatureNames(ColumnEncoding[] columns)
    {
        var names = new List<string>();
        foreach (var c in columns)
        {
            switch (c.Encoding)
            {
                case "onehot": names.AddRange(c.Categories!.Select(v => $"{c.Column}={v}")); break;
                case "datetime": names.AddRange(c.DateParts!.Select(p => $"{c.Column}#{p}")); break;
                case "frequency_target":
                    names.Add($"{c.Column}#freq");
                    var k = c.Width - 1;
                    if (k == 1) names.Add($"{c.Column}#target");
                    else for (var j = 0; j < k; j++) names.Add($"{c.Column}#target{j}");
                    break;
                case "text":
                    names.Add($"{c.Column}#length");
                    names.Add($"{c.Column}#words");
                    names.AddRange(c.Words!.Select(w => $"{c.Column}~{w}"));
                    break;
                default: names.Add(c.Column); break;
            }
        }
        return names.ToArray();
    }

    private sealed record State(string Target, TaskKind Task, string[] ClassLabels, ColumnEncoding[] Columns, DroppedColumn[] Dropped)
    {
        public int Version { get; init; } = 1;

        /// <summary>Per feature, subtracted before dividing by <see cref="Scale"/> (numeric, date and frequency features; 0/1 features keep 0 and 1).</summary>
        public double[]? Center { get; init; }

        /// <summary>Per feature standard deviation used for scaling (1 = unscaled).</summary>
        public double[]? Scale { get; init; }
    }
}
