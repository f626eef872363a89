using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Ml.AutoMl;
using SwarmAgentBot.Ml.Tabular;

namespace SwarmAgentBot.Agents.Agents.Training;

/// <summary>
/// What <c>swarm worker train --id RUN</c> does, in a local process or a Kubernetes Job: loads the
/// run's dataset from the object store, runs the AutoML search with progress written to the run,
/// stores the model bundle under runs/{id}/, and registers it as a new model version — in that order,
/// so a failure midway leaves no half-registered model.
/// </summary>
public sealed class TrainingWorker(
    TrainingRunStore runs,
    ModelRegistry registry,
    IObjectStore store,
    AuditLog audit,
    TimeProvider clock,
    ILogger<TrainingWorker> logger)
{
    /// <summary>The object-store key of a run's model bundle.</summary>
    public static string BundleKey(long runId) => $"runs/{runId}/bundle.zip";

    /// <summary>Runs the training of one run to its end; returns the process exit code (0 = succeeded).</summary>
    public async Task<int> RunAsync(long runId, string jobId, CancellationToken cancellationToken = default)
    {
        var run = await runs.GetAsync(runId, cancellationToken);
        if (run is null) { logger.LogError("No training run {RunId}", runId); return 2; }
        if (RunStatus.IsFinal(run.Status)) { logger.LogWarning("Run {RunId} is already {Status}", runId, run.Status); return run.Status == RunStatus.Succeeded ? 0 : 1; }
        await runs.MarkStartedAsync(runId, jobId, cancellationToken);
        try
        {
            var config = run.Config;
            var datasetKey = config["dataset_key"]?.ToString() ?? throw new TrainingInputException("The run does not say where its dataset is (dataset_key).");
            TabularData data;
            await using (var stream = await store.OpenReadAsync(datasetKey, cancellationToken))
                data = await CsvTable.LoadAsync(stream, run.DatasetName, null, cancellationToken);

            var options = new AutoMlOptions
            {
                Target = run.Target,
                Task = TaskNames.Parse(config["task"]?.ToString()),
                Metric = config["metric"]?.ToString(),
                TimeBudget = TimeSpan.FromSeconds(config["budget_s"]?.GetValue<double>() ?? 120),
                Seed = config["seed"]?.GetValue<int>() ?? 42,
                MaxTrials = config["max_trials"]?.GetValue<int>(),
                DropColumns = config["drop_columns"] is JsonArray drop ? drop.Select(d => d!.ToString()).ToList() : [],
            };
            var progress = new ThrottledProgress(runs, runId, clock, logger);
            var result = await new AutoMlTrainer().TrainAsync(data, options, progress, cancellationToken);
            await progress.FlushAsync(cancellationToken);
            var bundle = result.Bundle;

            using (var zip = new MemoryStream())
            {
                await bundle.SaveAsync(zip, cancellationToken);
                zip.Position = 0;
                await store.PutAsync(BundleKey(runId), zip, "application/zip", cancellationToken);
            }
            await PutJsonAsync($"runs/{runId}/leaderboard.json", JsonSerializer.SerializeToNode(bundle.Leaderboard)!, cancellationToken);
            await PutJsonAsync($"runs/{runId}/metrics.json", JsonSerializer.SerializeToNode(bundle.TestMetrics)!, cancellationToken);

            var version = await registry.RegisterAsync(new NewModelVersion(run.ModelName, runId, run.DatasetName, run.DatasetVersion, data.ContentSha256,
                bundle.Task.ToName(), bundle.Metric, bundle.TestMetrics, BundleKey(runId), ModelServer.ModelHash(bundle), run.RequestedBy), cancellationToken);

            var metrics = new JsonObject();
            foreach (var (k, v) in bundle.TestMetrics) metrics[k] = double.IsFinite(v) ? Math.Round(v, 6) : null;
            metrics["learner"] = bundle.Learner;
            metrics["seconds"] = Math.Round(result.Elapsed.TotalSeconds, 2);
            metrics["model_sha256"] = version.ModelSha256;
            await runs.CompleteAsync(runId, metrics, (JsonArray)JsonSerializer.SerializeToNode(bundle.Leaderboard)!, version.Version, data.ContentSha256, cancellationToken);
            await audit.AppendAsync(run.RequestedBy, "training.model_registered", "model:" + run.ModelName,
                new JsonObject { ["run_id"] = runId, ["version"] = version.Version, ["dataset"] = run.DatasetName, ["dataset_sha256"] = data.ContentSha256, ["model_sha256"] = version.ModelSha256 },
                cancellationToken: cancellationToken);
            logger.LogInformation("Run {RunId} registered {Model} v{Version}", runId, run.ModelName, version.Version);
            return 0;
        }
        catch (OperationCanceledException)
        {
            await runs.FailAsync(runId, "Canceled.", canceled: true, CancellationToken.None);
            return 130;
        }
        catch (Exception ex) when (ex is TrainingInputException or CsvFormatException or ObjectStoreException)
        {
            await runs.FailAsync(runId, ex.Message, cancellationToken: CancellationToken.None);
            logger.LogWarning("Run {RunId} failed: {Reason}", runId, ex.Message);
            return 1;
        }
        catch (Exception ex)
        {
            await runs.FailAsync(runId, "Training failed: " + ex.Message, cancellationToken: CancellationToken.None);
            logger.LogError(ex, "Run {RunId} failed", runId);
            return 1;
        }
    }

    private async Task PutJsonAsync(string key, JsonNode node, CancellationToken ct)
    {
        using var buffer = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(node, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        await store.PutAsync(key, buffer, "application/json", ct);
    }

    /// <summary>Writes progress to the run at most once a second (the search may report much more often).</summary>
    private sealed class ThrottledProgress(TrainingRunStore runs, long runId, TimeProvider clock, ILogger logger) : IProgress<TrainingProgress>
    {
        private readonly object _gate = new();
        private TrainingProgress? _latest;
        private DateTimeOffset _lastWrite = DateTimeOffset.MinValue;
        private Task _pending = Task.CompletedTask;

        public void Report(TrainingProgress value)
        {
            lock (_gate)
            {
                _latest = value;
                var now = clock.GetUtcNow();
                if (now - _lastWrite < TimeSpan.FromSeconds(1) || !_pending.IsCompleted) return;
                _lastWrite = now;
                _pending = WriteAsync(value);
            }
        }

        public async Task FlushAsync(CancellationToken ct)
        {
            await _pending;
            if (_latest is { } last) await WriteAsync(last);
        }

        private async Task WriteAsync(TrainingProgress p)
        {
            try
            {
                await runs.ReportProgressAsync(runId, new JsonObject
                {
                    ["trial"] = p.Trial,
                    ["stage"] = p.Stage,
                    ["best_learner"] = p.BestLearner,
                    ["best_score"] = p.BestScore is { } s && double.IsFinite(s) ? Math.Round(s, 6) : null,
                    ["metric"] = p.Metric,
                    ["elapsed_s"] = Math.Round(p.Elapsed.TotalSeconds, 1),
                    ["remaining_s"] = Math.Round(Math.Max(0, p.Remaining.TotalSeconds), 1),
                });
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Progress is advisory: a busy database must not fail the training.
                logger.LogWarning("Could not store progress of run {RunId}: {Reason}", runId, ex.Message);
            }
        }
    }
}
