using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Agents.Storage;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Ml.AutoMl;
using SwarmAgentBot.Ml.Charts;
using SwarmAgentBot.Ml.Preparation;
using SwarmAgentBot.Ml.Tabular;

namespace SwarmAgentBot.Agents.Agents.Training;

/// <summary>
/// AutoML training in chat: start a run as a job (progress and the result come back to the
/// conversation), status, leaderboard, explain (feature importance), evaluate on a dataset,
/// retrain behind an approval, and reproduce a recorded run.
/// </summary>
public sealed class TrainingAgent(
    DatasetRegistry datasets,
    TrainingRunStore runs,
    IJobRunner jobs,
    ModelServer server,
    ChartStore charts,
    IOptions<TrainingOptions> options,
    IOptions<SecurityOptions> security) : IAgent
{
    /// <inheritdoc />
    public string Name => "training";

    /// <inheritdoc />
    public IReadOnlyList<IntentDescriptor> Intents { get; } =
    [
        new("training.train_model", "Train a model with AutoML on a registered dataset, within a time budget.",
            JsonSchemas.Object(["dataset", "target"], ("dataset", "string", "Dataset name."), ("target", "string", "Column to predict."),
                ("task", "string", "classification or regression (default: detected)."), ("metric", "string", "f1, macro_f1, auc, accuracy, logloss, rmse, mae or r2."),
                ("time_budget_s", "integer", "Time budget in seconds."), ("model", "string", "Name to register the model under.")),
            Examples: ["train a churn model on churn.csv target churn in 2 minutes"]),
        new("training.training_status", "Progress of a training run.", JsonSchemas.Object(["run_id"], ("run_id", "string", "Run id.")), Examples: ["is run 12 done?"]),
        new("training.leaderboard", "Candidates a run tried and their scores.",
            JsonSchemas.Object([], ("run_id", "string", "Run id."), ("model", "string", "Model (its latest run).")), Examples: ["leaderboard of run 12"]),
        new("training.explain_model", "Which features matter most for a model version.",
            JsonSchemas.Object(["model"], ("model", "string", "Model name."), ("version", "integer", "Version (default latest).")), Examples: ["explain churn-model"]),
        new("training.evaluate_model", "Score a model version on a dataset that has the target column.",
            JsonSchemas.Object(["model", "dataset"], ("model", "string", "Model name."), ("version", "integer", "Version (default latest)."), ("dataset", "string", "Dataset name.")),
            Examples: ["evaluate churn-model v2 on churn-march"]),
        new("training.retrain_model", "Retrain a registered model on newer data with its recorded settings (needs approval).",
            JsonSchemas.Object(["model"], ("model", "string", "Model name."), ("dataset", "string", "Dataset (default: the newest version of the one it was trained on).")),
            Mutating: true, Examples: ["retrain churn-model on churn-march"]),
        new("governance.reproduce_run", "Re-run a recorded training run with its config, seed and data, and compare metrics and model hash.",
            JsonSchemas.Object(["run_id"], ("run_id", "string", "Run id.")), Examples: ["reproduce run 12"]),
    ];

    /// <inheritdoc />
    public async Task<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken = default)
    {
        try
        {
            return request.Intent switch
            {
                "training.train_model" => await TrainAsync(request, cancellationToken),
                "training.training_status" => await StatusAsync(request, cancellationToken),
                "training.leaderboard" => await LeaderboardAsync(request, cancellationToken),
                "training.explain_model" => await ExplainAsync(request, cancellationToken),
                "training.evaluate_model" => await EvaluateAsync(request, cancellationToken),
                "training.retrain_model" => await ProposeRetrainAsync(request, cancellationToken),
                "governance.reproduce_run" => await ReproduceAsync(request, cancellationToken),
                _ => AgentResult.Fail($"The training agent does not handle {request.Intent}."),
            };
        }
        catch (Exception ex) when (ex is DatasetException or ModelNotFoundException or RegistryException or TrainingInputException or CsvFormatException or RecordValidationException)
        {
            return AgentResult.Fail(ex.Message);
        }
    }

    /// <inheritdoc />
    public async Task<AgentResult> ExecuteApprovedAsync(ApprovedAction action, CancellationToken cancellationToken = default)
    {
        if (action.Intent != "training.retrain_model") return AgentResult.Fail($"{action.Intent} needs no approval.");
        var model = action.Arguments["model"]!.ToString();
        var source = await runs.GetAsync(action.Arguments["source_run_id"]!.GetValue<long>(), cancellationToken);
        var dataset = await datasets.GetAsync(action.Arguments["dataset"]!.ToString(), action.Arguments["dataset_version"]!.GetValue<int>(), cancellationToken);
        if (source is null || dataset is null) return AgentResult.Fail("The run or dataset this retraining was based on is gone; nothing was started.");
        var config = (JsonObject)source.Config.DeepClone();
        var result = await StartRunAsync(model, dataset, source.Target, config, action.RequestedBy, action.Conversation, null, cancellationToken);
        return result.Succeeded
            ? result with { Reply = BotReply.Plain(result.Reply.Text + " Deploying the retrained version needs its own approval once it is registered.") }
            : result;
    }

    private async Task<AgentResult> TrainAsync(AgentRequest request, CancellationToken ct)
    {
        var datasetName = request.Get("dataset") ?? request.Turn.Memory.GetValueOrDefault("dataset");
        if (datasetName is null) return await AskForDatasetAsync(request, ct);
        var dataset = await FindDatasetAsync(datasetName, ct);
        var target = request.Get("target");
        if (target is null)
        {
            var choices = dataset.Columns.Reverse().Take(6).Select(c => CardAction.Choose(c.Name, $"train a model on {dataset.Name} target {c.Name}")).ToList();
            return AgentResult.Ok(new BotReply($"Which column of {dataset.Label} should the model predict?", [new Card("Choose the target", [], choices)]),
                new Dictionary<string, string> { ["dataset"] = dataset.Name });
        }
        var column = dataset.Columns.FirstOrDefault(c => c.Name.Equals(target, StringComparison.OrdinalIgnoreCase));
        if (column is null)
        {
            var close = dataset.Columns.OrderBy(c => EditDistance.Levenshtein(c.Name.ToLowerInvariant(), target.ToLowerInvariant())).Take(3).Select(c => c.Name);
            return AgentResult.Fail($"{dataset.Label} has no column \"{target}\". Did you mean {string.Join(", ", close)}? Its columns: {string.Join(", ", dataset.Columns.Select(c => c.Name))}.");
        }
        var budget = request.GetNumber("time_budget_s") ?? options.Value.DefaultBudgetSeconds;
        if (budget < 1 || budget > options.Value.MaxBudgetSeconds)
            return AgentResult.Fail($"A time budget of {budget:0} s is outside what I accept: 1 s to {options.Value.MaxBudgetSeconds / 60} min (Swarm:Training:MaxBudgetSeconds).");
        var metric = request.Get("metric")?.ToLowerInvariant();
        if (metric is not null && !Metrics.Names.Contains(metric))
            return AgentResult.Fail($"I don't know the metric \"{metric}\". Use one of: {string.Join(", ", Metrics.Names)}.");
        var task = request.Get("task")?.ToLowerInvariant();
        var model = request.Get("model") ?? $"{dataset.Name}-model";
        ModelRegistry.ValidateName(model);
        var config = new JsonObject { ["task"] = task, ["metric"] = metric, ["budget_s"] = (int)budget, ["seed"] = options.Value.DefaultSeed };
        return await StartRunAsync(model, dataset, column.Name, config, request.Turn.User.Name ?? request.Turn.User.Id, request.Turn.Conversation, null, ct);
    }

    private async Task<AgentResult> StartRunAsync(string model, DatasetVersion dataset, string target, JsonObject config, string requestedBy, ConversationRef conversation, long? reproduces, CancellationToken ct)
    {
        config["dataset_key"] = dataset.ObjectKey;
        config["dataset_version"] = dataset.Version;
        config["target"] = target;
        var run = await runs.CreateAsync(model, dataset.Name, dataset.Version, dataset.Sha256, target, config, requestedBy, conversation, reproduces, ct);
        var budget = config["budget_s"]?.GetValue<int>() ?? options.Value.DefaultBudgetSeconds;
        var jobId = $"train-{run.Id}";
        try
        {
            await jobs.StartAsync(new JobSpec(jobId, "train", ["worker", "train", "--id", run.Id.ToString(CultureInfo.InvariantCulture)],
                TimeSpan.FromSeconds(budget + options.Value.JobGraceSeconds), new Dictionary<string, string> { ["run-id"] = run.Id.ToString(CultureInfo.InvariantCulture), ["model"] = model }), ct);
            await runs.MarkStartedAsync(run.Id, jobId, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await runs.FailAsync(run.Id, "The training job could not start: " + ex.Message, cancellationToken: CancellationToken.None);
            return AgentResult.Fail($"I could not start the training job: {ex.Message}");
        }
        var metric = config["metric"]?.ToString() ?? "the task's default metric";
        var text = $"{(reproduces is null ? "Started" : $"Reproducing run {reproduces} as")} training run **{run.Id}**: {model} on {dataset.Label}, target **{target}**, {metric}, budget {Duration(budget)}. I'll post progress here; ask \"status of run {run.Id}\" any time.";
        return new AgentResult
        {
            Reply = BotReply.Plain(text),
            ContinuationKey = "run:" + run.Id,
            Remember = new Dictionary<string, string> { ["run_id"] = run.Id.ToString(CultureInfo.InvariantCulture), ["dataset"] = dataset.Name, ["model"] = model },
        };
    }

    private async Task<AgentResult> StatusAsync(AgentRequest request, CancellationToken ct)
    {
        var run = await FindRunAsync(request, ct);
        if (run is null) return AgentResult.Fail(RunMissing(request));
        var remember = new Dictionary<string, string> { ["run_id"] = run.Id.ToString(CultureInfo.InvariantCulture), ["model"] = run.ModelName };
        if (RunStatus.IsFinal(run.Status)) return AgentResult.Ok(TrainingCards.Result(run), remember);
        return AgentResult.Ok(TrainingCards.ProgressLine(run), remember);
    }

    private async Task<AgentResult> LeaderboardAsync(AgentRequest request, CancellationToken ct)
    {
        var run = await FindRunAsync(request, ct);
        if (run is null && (request.Get("model") ?? request.Turn.Memory.GetValueOrDefault("model")) is { } model)
            run = (await runs.ListAsync(model, RunStatus.Succeeded, 1, ct)).FirstOrDefault();
        if (run is null) return AgentResult.Fail(RunMissing(request));
        var table = TrainingCards.Leaderboard(run, 10);
        if (table is null) return AgentResult.Ok($"Run {run.Id} has no finished trials yet ({run.Status}).");
        return AgentResult.Ok(new BotReply($"Leaderboard of run {run.Id} ({run.Leaderboard!.Count} trials, best first):", [new Card($"Run {run.Id} leaderboard", [table])]),
            new Dictionary<string, string> { ["run_id"] = run.Id.ToString(CultureInfo.InvariantCulture) });
    }

    private async Task<AgentResult> ExplainAsync(AgentRequest request, CancellationToken ct)
    {
        var (version, predictor) = await LoadModelAsync(request, ct);
        var importance = predictor.Bundle.FeatureImportance.OrderByDescending(f => f.Importance).Take(12).ToList();
        if (importance.Count == 0) return AgentResult.Ok($"{version.ModelName} v{version.Version} reports no feature importance (a linear model has none by gain).");
        var chart = await charts.SaveAsync(ChartRenderer.HorizontalBar($"{version.ModelName} v{version.Version}: feature importance (gain)", "share of total gain",
            importance.Select(f => new KeyValuePair<string, double>(f.Column, f.Importance)).ToList()), ct);
        var lines = importance.Take(5).Select((f, i) => $"{i + 1}. **{f.Column}** — {f.Importance:P1} of the gain");
        return AgentResult.Ok(new BotReply($"What drives {version.ModelName} v{version.Version} ({predictor.Bundle.Learner}):\n" + string.Join("\n", lines),
            [new Card("Feature importance", [chart.ToImage("feature importance")])]),
            new Dictionary<string, string> { ["model"] = version.ModelName, ["version"] = version.Version.ToString(CultureInfo.InvariantCulture) });
    }

    private async Task<AgentResult> EvaluateAsync(AgentRequest request, CancellationToken ct)
    {
        var (version, predictor) = await LoadModelAsync(request, ct);
        var datasetName = request.Get("dataset") ?? request.Turn.Memory.GetValueOrDefault("dataset");
        if (datasetName is null) return AgentResult.Fail($"Evaluate {version.ModelName} v{version.Version} on which dataset? It needs the target column {predictor.Bundle.Target}.");
        var dataset = await FindDatasetAsync(datasetName, ct);
        TabularData table;
        await using (var stream = await datasets.OpenAsync(dataset, ct))
            table = await CsvTable.LoadAsync(stream, dataset.Name, null, ct);
        if (!table.HasColumn(predictor.Bundle.Target))
            return AgentResult.Fail($"{dataset.Label} has no {predictor.Bundle.Target} column, so there is nothing to compare predictions with.");
        var predictions = predictor.PredictTable(table);
        var truth = table.Column(predictor.Bundle.Target);
        var metrics = predictor.Task == TaskKind.Regression
            ? Evaluation.Regression(truth.Select(t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : (double?)null).ToList(), predictions)
            : Evaluation.Classification(truth, predictions, predictor.ClassLabels);
        var facts = metrics.Select(kv => new KeyValuePair<string, string>(kv.Key, kv.Key == "rows" ? kv.Value.ToString("0", CultureInfo.InvariantCulture) : kv.Value.ToString("0.####", CultureInfo.InvariantCulture))).ToList();
        var test = version.Metrics.TryGetValue(version.Metric, out var t) ? $" (its test-split {version.Metric} was {t.ToString("0.####", CultureInfo.InvariantCulture)})" : "";
        return AgentResult.Ok(new BotReply($"{version.ModelName} v{version.Version} on {dataset.Label}{test}:", [new Card("Evaluation", [new CardFacts(facts)])]))
            with { Metrics = metrics };
    }

    private async Task<AgentResult> ProposeRetrainAsync(AgentRequest request, CancellationToken ct)
    {
        var model = request.Get("model") ?? request.Turn.Memory.GetValueOrDefault("model");
        if (model is null) return AgentResult.Fail("Which model should I retrain? For example \"retrain churn-model on churn-march\".");
        var source = (await runs.ListAsync(model, RunStatus.Succeeded, 1, ct)).FirstOrDefault()
            ?? throw new RegistryException($"{model} has no finished training run to take its settings from.");
        var dataset = request.Get("dataset") is { } named ? await FindDatasetAsync(named, ct) : await datasets.GetAsync(source.DatasetName, null, ct)
            ?? throw new DatasetException($"The dataset {source.DatasetName} that {model} was trained on is gone; name one: \"retrain {model} on NAME\".");
        if (!dataset.Columns.Any(c => c.Name.Equals(source.Target, StringComparison.OrdinalIgnoreCase)))
            return AgentResult.Fail($"{dataset.Label} has no {source.Target} column, which {model} predicts.");
        var summary = $"Retrain {model} on {dataset.Label} with the settings of run {source.Id}";
        var args = new JsonObject { ["model"] = model, ["dataset"] = dataset.Name, ["dataset_version"] = dataset.Version, ["source_run_id"] = source.Id };
        return AgentResult.NeedsApproval(new ApprovalProposal(request.Intent, summary, args, security.Value.ApproverRoleFor(request.Intent, null), "model:" + model), summary + ".");
    }

    private async Task<AgentResult> ReproduceAsync(AgentRequest request, CancellationToken ct)
    {
        var run = await FindRunAsync(request, ct);
        if (run is null) return AgentResult.Fail(RunMissing(request));
        if (run.Status != RunStatus.Succeeded) return AgentResult.Fail($"Run {run.Id} did not succeed ({run.Status}), so there is nothing to reproduce.");
        var dataset = await datasets.GetAsync(run.DatasetName, run.DatasetVersion, ct)
            ?? throw new DatasetException($"Dataset {run.DatasetName} v{run.DatasetVersion} that run {run.Id} used is gone, so it cannot be reproduced.");
        return await StartRunAsync(run.ModelName, dataset, run.Target, (JsonObject)run.Config.DeepClone(), request.Turn.User.Name ?? request.Turn.User.Id, request.Turn.Conversation, run.Id, ct);
    }

    private async Task<(ModelVersion Version, Predictor Predictor)> LoadModelAsync(AgentRequest request, CancellationToken ct)
    {
        var model = request.Get("model") ?? request.Turn.Memory.GetValueOrDefault("model")
            ?? throw new RegistryException("Which model? For example \"explain churn-model v2\".");
        var version = await server.ResolveAsync(model, request.Get("version") ?? (request.Turn.Memory.GetValueOrDefault("model") == model ? request.Turn.Memory.GetValueOrDefault("version") : null) ?? "latest", ct);
        return (version, await server.GetPredictorAsync(version, ct));
    }

    private async Task<DatasetVersion> FindDatasetAsync(string name, CancellationToken ct)
    {
        var dataset = await datasets.GetAsync(name, null, ct);
        if (dataset is not null) return dataset;
        var similar = await datasets.FindNamesAsync(name, ct);
        var all = similar.Count > 0 ? similar : (await datasets.ListAsync(ct)).Select(d => d.Name).Distinct().Take(8).ToList();
        throw new DatasetException($"There is no dataset \"{name}\"." + (all.Count > 0 ? $" Did you mean: {string.Join(", ", all)}?" : " Upload one first (attach a CSV and say \"upload this as churn\")."));
    }

    private async Task<AgentResult> AskForDatasetAsync(AgentRequest request, CancellationToken ct)
    {
        var names = (await datasets.ListAsync(ct)).Select(d => d.Name).Distinct().Take(8).ToList();
        if (names.Count == 0) return AgentResult.Fail("There is no dataset yet. Attach a CSV and say \"upload this as churn\", then ask me to train on it.");
        var target = request.Get("target") is { } t ? $" target {t}" : "";
        return AgentResult.Ok(new BotReply("Which dataset should I train on?", [new Card("Choose a dataset", [], names.Select(n => CardAction.Choose(n, $"train a model on {n}{target}")).ToList())]));
    }

    private async Task<TrainingRun?> FindRunAsync(AgentRequest request, CancellationToken ct)
    {
        var raw = request.Get("run_id") ?? request.Turn.Memory.GetValueOrDefault("run_id");
        return raw is not null && long.TryParse(raw.TrimStart('#'), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) ? await runs.GetAsync(id, ct) : null;
    }

    private static string RunMissing(AgentRequest request) =>
        request.Get("run_id") is { } id ? $"There is no training run {id}." : "Which run? Say for example \"status of run 12\".";

    private static string Duration(int seconds) => seconds >= 120 ? $"{seconds / 60.0:0.#} min" : $"{seconds} s";
}
