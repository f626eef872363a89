using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Ml.AutoMl;
using SwarmAgentBot.Ml.Preparation;
using SwarmAgentBot.Ml.Tabular;

namespace SwarmAgentBot.Host.Cli;

/// <summary>
/// <c>swarm train</c> (AutoML on a CSV, writing a model bundle) and <c>swarm predict</c> (score a CSV with a bundle).
/// Until the registry registers bundles, they live under <c>&lt;DataDir&gt;/models/local/&lt;run-id&gt;/</c>.
/// </summary>
public static class TrainCommands
{
    /// <summary>Creates <c>swarm train</c>.</summary>
    public static Command CreateTrain(CliContext context)
    {
        var data = new Option<string>("--data") { Description = "Training CSV (header row; delimiter , ; tab or |).", Required = true };
        var target = new Option<string>("--target") { Description = "Column to predict.", Required = true };
        var task = new Option<string?>("--task") { Description = "binary, multiclass, classification or regression (default: detected)." };
        var metric = new Option<string?>("--metric") { Description = "f1, macro_f1, auc, accuracy, logloss, rmse, mae or r2 (default: auc / logloss / r2)." };
        var budget = new Option<double>("--budget") { Description = "Time budget in seconds (1 to 86400).", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed for splits and the search.", DefaultValueFactory = _ => 42 };
        var output = new Option<string?>("--out") { Description = "Folder for the model bundle (default: <DataDir>/models/local/<run-id>)." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var command = new Command("train", "Train a model on a CSV with AutoML (XGBoost) within a time budget.") { data, target, task, metric, budget, seed, output, json };
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var runId = $"run-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
            try
            {
                var table = await AutoMlTrainer.LoadDataAsync(parse.GetValue(data)!, ct);
                var requestedTask = parse.GetValue(task);
                var options = new AutoMlOptions
                {
                    Target = parse.GetValue(target)!,
                    Task = TaskNames.Parse(requestedTask),
                    Metric = parse.GetValue(metric),
                    TimeBudget = SafeSeconds(parse.GetValue(budget)),
                    Seed = parse.GetValue(seed),
                };
                var folder = parse.GetValue(output) ?? Path.Combine(context.Get<IOptions<SwarmOptions>>().Value.DataDirFullPath, "models", "local", runId);
                var progress = new Progress<TrainingProgress>(p =>
                {
                    if (p.Stage == "search") return;
                    context.Error.WriteLine($"[{runId}] {p.Stage}: {p.Trial} trials, best {p.BestLearner} {p.Metric}={p.BestScore?.ToString("0.####", CultureInfo.InvariantCulture)}, {p.Remaining.TotalSeconds:0} s left");
                });
                var result = await new AutoMlTrainer().TrainAsync(table, options, progress, ct);
                await result.Bundle.SaveAsync(folder, ct);
                var bundle = result.Bundle;
                if (parse.GetValue(json))
                {
                    context.WriteJson(new
                    {
                        run_id = runId,
                        model_id = bundle.ModelId,
                        model_path = Path.GetFullPath(folder),
                        task = bundle.Task.ToName(),
                        target = bundle.Target,
                        metric = bundle.Metric,
                        learner = bundle.Learner,
                        elapsed_seconds = Math.Round(result.Elapsed.TotalSeconds, 2),
                        training_rows = bundle.TrainingRows,
                        test_rows = bundle.TestRows,
                        test_metrics = bundle.TestMetrics,
                        validation_metrics = bundle.ValidationMetrics,
                        decision_rule = bundle.DecisionRule,
                        feature_importance = bundle.FeatureImportance.Select(f => new { column = f.Column, importance = f.Importance }),
                        dropped_columns = bundle.Preparation.Dropped.Select(d => new { column = d.Column, reason = d.Reason }),
                        dataset_sha256 = bundle.DatasetSha256,
                        seed = bundle.Seed,
                        leaderboard = bundle.Leaderboard.Select(e => new
                        {
                            trial = e.Trial, learner = e.Learner, score = double.IsNaN(e.Score) ? (double?)null : Math.Round(e.Score, 6),
                            seconds = e.Seconds, rounds = e.Rounds, status = e.Status, parameters = e.Parameters,
                        }),
                    });
                    return 0;
                }
                await context.Out.WriteLineAsync($"Run {runId}: {bundle.Task.ToName()} model {bundle.ModelId} ({bundle.Learner}) saved to {Path.GetFullPath(folder)}");
                await context.Out.WriteLineAsync($"Test metrics: {string.Join(", ", bundle.TestMetrics.Select(kv => $"{kv.Key}={kv.Value:0.####}"))}");
                await context.Out.WriteLineAsync($"{bundle.Leaderboard.Count} trials in {result.Elapsed.TotalSeconds:0.0} s; top 5 by {bundle.Metric}:");
                var higher = Metrics.HigherIsBetter(bundle.Metric);
                foreach (var e in bundle.Leaderboard.Where(e => e.Status == "ok").OrderBy(e => higher ? -e.Score : e.Score).Take(5))
                    await context.Out.WriteLineAsync($"  #{e.Trial} {e.Learner} {e.Score:0.####} ({e.Seconds:0.00} s, {e.Rounds} rounds)");
                return 0;
            }
            catch (TrainingInputException e)
            {
                await context.Error.WriteLineAsync(e.Message);
                return 2;
            }
            catch (IOException e)
            {
                await context.Error.WriteLineAsync(e.Message);
                return 2;
            }
        });
        return command;
    }

    /// <summary>Creates <c>swarm predict</c>.</summary>
    public static Command CreatePredict(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "Model bundle: a folder or .zip, or a run id under <DataDir>/models/local.", Required = true };
        var data = new Option<string>("--data") { Description = "CSV of records to score (same columns as the training data; the target may be absent).", Required = true };
        var output = new Option<string>("--out") { Description = "Where to write predictions (CSV: prediction, then proba_<class> per class).", Required = true };
        var json = new Option<bool>("--json") { Description = "Print a JSON summary." };
        var command = new Command("predict", "Score a CSV with a trained model; one output row per input row, in order.") { model, data, output, json };
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            try
            {
                var path = ResolveModel(parse.GetValue(model)!, context);
                using var predictor = await Predictor.LoadAsync(path, ct);
                var table = await CsvTable.LoadAsync(parse.GetValue(data)!, null, ct);
                var predictions = predictor.PredictTable(table);
                var outPath = Path.GetFullPath(parse.GetValue(output)!);
                Directory.CreateDirectory(Path.GetDirectoryName(outPath)!);
                // Write beside, then move: a failed run never leaves half a predictions file.
                var temp = outPath + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
                await using (var writer = new StreamWriter(temp))
                    await predictor.WriteCsvAsync(predictions, writer, ct);
                File.Move(temp, outPath, overwrite: true);
                if (parse.GetValue(json))
                    context.WriteJson(new { model_id = predictor.Bundle.ModelId, model_path = path, rows = predictions.Count, output = outPath, classes = predictor.ClassLabels });
                else
                    await context.Out.WriteLineAsync($"Wrote {predictions.Count} predictions of model {predictor.Bundle.ModelId} to {outPath}");
                return 0;
            }
            catch (Exception e) when (e is RecordValidationException or CsvFormatException or FileNotFoundException or InvalidDataException or TrainingInputException)
            {
                await context.Error.WriteLineAsync(e.Message);
                return 2;
            }
        });
        return command;
    }

    private static TimeSpan SafeSeconds(double seconds) =>
        double.IsFinite(seconds) && Math.Abs(seconds) < TimeSpan.MaxValue.TotalSeconds / 2 ? TimeSpan.FromSeconds(seconds) : TimeSpan.MaxValue / 2;

    private static string ResolveModel(string nameOrPath, CliContext context)
    {
        if (Directory.Exists(nameOrPath) || File.Exists(nameOrPath)) return Path.GetFullPath(nameOrPath);
        var local = Path.Combine(context.Get<IOptions<SwarmOptions>>().Value.DataDirFullPath, "models", "local", nameOrPath);
        if (Directory.Exists(local)) return local;
        throw new FileNotFoundException($"No model bundle '{nameOrPath}': not a folder or zip, and not a run under {Path.GetDirectoryName(local)}.");
    }
}
