using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SwarmAgentBot.Ml.Drift;

namespace SwarmAgentBot.Host.Cli;

/// <summary><c>swarm drift</c>: compare a current CSV with a reference CSV.</summary>
public static class DriftCommands
{
    private static readonly JsonSerializerOptions ReportJson = new(CliJson.Options)
    {
        // Chi-square with a brand-new category is +∞ (as in Evidently); JSON has no literal for it otherwise.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var reference = new Option<FileInfo>("--reference") { Description = "Reference window (CSV with a header row).", Required = true };
        var current = new Option<FileInfo>("--current") { Description = "Current window (CSV with the same columns).", Required = true };
        var model = new Option<string?>("--model") { Description = "Registered model whose feature importance weighs the drift share." };
        var target = new Option<string?>("--target") { Description = "Label column: target drift, and actual performance where labels exist." };
        var prediction = new Option<string?>("--prediction") { Description = "Predicted label (or value) column: prediction drift." };
        var probability = new Option<string?>("--probability") { Description = "Predicted probability of the positive class: performance estimate without labels (CBPE)." };
        var positive = new Option<string?>("--positive-label") { Description = "Which target value is the positive class (default 1, true or yes)." };
        var categorical = new Option<string[]>("--categorical") { Description = "Columns to treat as categories even though they hold numbers (comma-separated or repeated).", AllowMultipleArgumentsPerToken = true };
        var ignore = new Option<string[]>("--ignore") { Description = "Columns not to test, e.g. ids and timestamps (comma-separated or repeated).", AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "Print the full report as JSON." };
        var command = new Command("drift", "Compare a current data window with a reference window: per-column drift, dataset drift, prediction drift and performance.")
        {
            reference, current, model, target, prediction, probability, positive, categorical, ignore, json,
        };
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var categories = Names(parse.GetValue(categorical));
            DriftTable referenceTable, currentTable;
            try
            {
                referenceTable = DriftTable.ReadCsv(parse.GetValue(reference)!.FullName, categories);
                currentTable = DriftTable.ReadCsv(parse.GetValue(current)!.FullName, categories);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or CsvHelper.CsvHelperException)
            {
                await context.Error.WriteLineAsync($"swarm drift: {e.Message}");
                return 1;
            }

            var notes = new List<string>();
            IReadOnlyDictionary<string, double>? importance = null;
            if (parse.GetValue(model) is { } modelName)
            {
                if (context.Services.GetService<FeatureImportanceLookup>() is { } lookup)
                {
                    importance = await lookup(modelName, ct);
                    if (importance is null) notes.Add($"Model '{modelName}' is not registered: only the unweighted drift share is shown.");
                }
                else
                    notes.Add($"--model {modelName}: weighting by feature importance needs a registered model, and the model registry is not part of this build yet; only the unweighted drift share is shown.");
            }

            var request = new DriftRequest
            {
                Target = parse.GetValue(target),
                Prediction = parse.GetValue(prediction),
                Probability = parse.GetValue(probability),
                PositiveLabel = parse.GetValue(positive),
                Ignore = Names(parse.GetValue(ignore)),
                FeatureImportance = importance,
            };
            var report = context.Get<DriftDetector>().Compare(referenceTable, currentTable, request, ct);
            if (notes.Count > 0) report = report with { Warnings = [.. notes, .. report.Warnings] };

            if (parse.GetValue(json))
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(report, ReportJson));
            else
                await context.Out.WriteAsync(Render(report, parse.GetValue(reference)!.Name, parse.GetValue(current)!.Name));
            return 0;
        });
        return command;
    }

    /// <summary>The report as a plain-text table for a terminal.</summary>
    public static string Render(DriftReport report, string referenceName, string currentName)
    {
        var text = new System.Text.StringBuilder();
        var d = report.Dataset;
        text.AppendLine(CultureInfo.InvariantCulture, $"Drift: {currentName} ({d.CurrentRows} rows) against reference {referenceName} ({d.ReferenceRows} rows)");
        text.AppendLine();
        var rows = report.Columns.Select(Row).ToList();
        if (report.Prediction is { } p) rows.Add(Row(p) with { Column = p.Column + " (prediction)" });
        if (report.Target is { } t) rows.Add(Row(t) with { Column = t.Column + " (target)" });
        var width = Math.Max(6, rows.Count == 0 ? 0 : rows.Max(r => r.Column.Length));
        text.AppendLine(CultureInfo.InvariantCulture, $"{"column".PadRight(width)}  {"kind",-11}  {"method",-13}  {"statistic",10}  {"p-value",10}  {"distance",10}  {"threshold",9}  drifted");
        foreach (var r in rows)
            text.AppendLine(CultureInfo.InvariantCulture, $"{r.Column.PadRight(width)}  {r.Kind,-11}  {r.Method,-13}  {r.Statistic,10}  {r.PValue,10}  {r.Distance,10}  {r.Threshold,9}  {r.Drifted}");
        text.AppendLine();

        if (d.DriftShare is { } share)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Dataset: {d.ColumnsDrifted} of {d.ColumnsTested} columns drifted (share {share:0.###}; drift at ≥ {d.ShareThreshold:0.###}): {(d.Drifted == true ? "DATASET DRIFT" : "no dataset drift")}");
        else
            text.AppendLine("Dataset: not decided (no column could be tested).");
        if (d.WeightedDriftShare is { } weighted)
            text.AppendLine(CultureInfo.InvariantCulture, $"Importance-weighted share: {weighted:0.###}: {(d.WeightedDrifted == true ? "DRIFT" : "no drift")}");

        if (report.Performance is { } perf)
        {
            text.AppendLine();
            if (perf.ReferenceActual is { } ra) text.AppendLine(Scores("Reference, actual", ra));
            if (perf.CurrentActual is { } ca) text.AppendLine(Scores("Current, actual", ca));
            if (perf.CurrentEstimated is { } ce) text.AppendLine(Scores("Current, estimated (CBPE)", ce));
            if (perf.Calibration is { } cal)
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"Calibration on the reference: expected calibration error {cal.ExpectedCalibrationError:0.####} ({(cal.WellCalibrated ? "well calibrated" : "poorly calibrated")}; threshold {cal.Threshold})");
        }

        var explained = report.Columns.Where(c => c.Drifted == true).Select(Explain).Where(e => e is not null).ToList();
        if (explained.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("How the drifted columns moved:");
            foreach (var e in explained) text.AppendLine("  " + e);
        }
        var notes = report.Columns.Where(c => c.Note is not null && c.Status != ColumnDriftStatus.MissingInCurrent).Select(c => $"{c.Column}: {c.Note}").ToList();
        if (report.Warnings.Count + notes.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Notes:");
            foreach (var w in report.Warnings) text.AppendLine("  - " + w);
            foreach (var n in notes) text.AppendLine("  - " + n);
        }
        return text.ToString();
    }

    private sealed record TableRow(string Column, string Kind, string Method, string Statistic, string PValue, string Distance, string Threshold, string Drifted);

    private static TableRow Row(ColumnDrift c) => new(
        c.Column,
        c.Kind == DriftColumnKind.Numeric ? "numeric" : "categorical",
        c.Method?.ShortName() ?? "-",
        Number(c.Statistic),
        Number(c.PValue),
        Number(c.Distance),
        Number(c.Threshold),
        c.Status switch
        {
            ColumnDriftStatus.Tested => c.Drifted == true ? "YES" : "no",
            ColumnDriftStatus.MissingInCurrent => "missing in current",
            ColumnDriftStatus.AllMissing => "all values missing",
            ColumnDriftStatus.NotEnoughValues => "too few values",
            _ => "method not applicable",
        });

    private static string? Explain(ColumnDrift c)
    {
        if (c.Categories is { } k && (c.Kind == DriftColumnKind.Categorical || c.Numeric is null))
        {
            var parts = new List<string>();
            if (k.NewCount > 0) parts.Add($"new: {string.Join(", ", k.NewCategories.Select(s => $"{s.Category} ({s.CurrentShare:0.#%})"))}{(k.NewCount > k.NewCategories.Count ? $" and {k.NewCount - k.NewCategories.Count} more" : "")}");
            if (k.VanishedCount > 0) parts.Add($"vanished: {string.Join(", ", k.VanishedCategories.Select(s => $"{s.Category} (was {s.ReferenceShare:0.#%})"))}");
            if (k.BiggestChanges.Count > 0) parts.Add("biggest changes: " + string.Join(", ", k.BiggestChanges.Select(s => $"{s.Category} {s.ReferenceShare:0.#%} → {s.CurrentShare:0.#%}")));
            return parts.Count == 0 ? null : $"{c.Column}: {string.Join("; ", parts)}";
        }
        if (c.Numeric is { } n)
            return string.Create(CultureInfo.InvariantCulture,
                $"{c.Column}: mean {n.ReferenceMean:G4} → {n.CurrentMean:G4} ({n.MeanShiftInReferenceStd:+0.##;-0.##} reference std), median {n.ReferenceMedian:G4} → {n.CurrentMedian:G4}, " +
                $"5–95% range [{n.Quantiles[0].Reference:G4}, {n.Quantiles[^1].Reference:G4}] → [{n.Quantiles[0].Current:G4}, {n.Quantiles[^1].Current:G4}]");
        return null;
    }

    private static string Scores(string label, ClassificationScores s) => string.Create(CultureInfo.InvariantCulture,
        $"{label}: accuracy {s.Accuracy:0.####}, precision {s.Precision:0.####}, recall {s.Recall:0.####}, F1 {s.F1:0.####} ({s.Rows} rows)");

    private static string Number(double? value) => value switch
    {
        null => "-",
        { } v when double.IsPositiveInfinity(v) => "inf",
        { } v when v != 0 && Math.Abs(v) < 1e-3 => v.ToString("0.##E+0", CultureInfo.InvariantCulture),
        { } v => v.ToString("0.####", CultureInfo.InvariantCulture),
    };

    private static HashSet<string> Names(string[]? values) =>
        new((values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)), StringComparer.Ordinal);
}
