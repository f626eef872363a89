using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Agents.Storage;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Ml.Preparation;

namespace SwarmAgentBot.Agents.Agents.Registry;

/// <summary>
/// Model versions, aliases and deployments in chat: list, deploy (behind approval), roll back
/// (behind approval), what is deployed where, and predicting one record.
/// </summary>
public sealed class RegistryAgent(
    ModelRegistry registry,
    ModelServer server,
    AuditLog audit,
    IOptions<RegistryOptions> options,
    IOptions<SecurityOptions> security,
    IEnumerable<IServingDeployer> deployers,
    DatasetRegistry datasets,
    IObjectStore store) : IAgent
{
    /// <inheritdoc />
    public string Name => "registry";

    /// <inheritdoc />
    public IReadOnlyList<IntentDescriptor> Intents { get; } =
    [
        new("registry.list_models", "List registered models with their versions, test metrics and aliases.",
            JsonSchemas.Object([], ("model", "string", "Only this model.")), Examples: ["list models", "what versions of churn-model exist?"]),
        new("registry.deploy_model", "Point a stage (alias) at a model version; needs approval.",
            JsonSchemas.Object(["model"], ("model", "string", "Model name."), ("version", "integer", "Version number (default: latest)."), ("stage", "string", "staging or production (or any alias).")),
            Mutating: true, Examples: ["deploy churn-model v3 to prod"]),
        new("registry.rollback", "Return a stage to the version it pointed at before; needs approval.",
            JsonSchemas.Object(["model", "stage"], ("model", "string", "Model name."), ("stage", "string", "staging or production.")),
            Mutating: true, Examples: ["roll back churn-model in production"]),
        new("registry.list_deployments", "What is deployed where (aliases).",
            JsonSchemas.Object([], ("stage", "string", "Only this stage.")), Examples: ["what is in production?"]),
        new("registry.predict", "Score one record with a deployed model.",
            JsonSchemas.Object(["model", "record"], ("model", "string", "Model name."), ("stage", "string", "Alias to use (default production, else latest)."), ("version", "integer", "A version instead of an alias."), ("record", "object", "Feature values.")),
            Examples: ["predict with churn-model: tenure=3, contract=monthly"]),
    ];

    /// <inheritdoc />
    public async Task<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken = default)
    {
        try
        {
            return request.Intent switch
            {
                "registry.list_models" => await ListModelsAsync(request, cancellationToken),
                "registry.deploy_model" => await ProposeDeployAsync(request, cancellationToken),
                "registry.rollback" => await ProposeRollbackAsync(request, cancellationToken),
                "registry.list_deployments" => await ListDeploymentsAsync(request, cancellationToken),
                "registry.predict" => await PredictAsync(request, cancellationToken),
                _ => AgentResult.Fail($"The registry agent does not handle {request.Intent}."),
            };
        }
        catch (Exception ex) when (ex is ModelNotFoundException or RegistryException or DatasetException or SwarmAgentBot.Ml.Tabular.CsvFormatException)
        {
            return AgentResult.Fail(ex.Message);
        }
    }

    /// <inheritdoc />
    public async Task<AgentResult> ExecuteApprovedAsync(ApprovedAction action, CancellationToken cancellationToken = default)
    {
        var model = action.Arguments["model"]!.ToString();
        var stage = action.Arguments["stage"]!.ToString();
        var version = action.Arguments["version"]!.GetValue<int>();
        var kind = action.Intent == "registry.rollback" ? "rollback" : "deploy";
        try
        {
            var target = await server.ResolveAsync(model, version.ToString(CultureInfo.InvariantCulture), cancellationToken);
            // Load before moving the alias: the first request on the new version must not pay for (or fail on) loading.
            await server.GetPredictorAsync(target, cancellationToken);
            var move = await registry.SetAliasAsync(model, stage, version, action.RequestedBy, action.ApprovedBy, action.ApprovalId, kind, cancellationToken);
            await audit.AppendAsync(action.RequestedBy, "registry.alias_moved", "model:" + model,
                new JsonObject { ["alias"] = stage, ["from_version"] = move.FromVersion, ["to_version"] = version, ["kind"] = kind, ["approval_id"] = action.ApprovalId },
                approvedBy: action.ApprovedBy, cancellationToken: cancellationToken);
            var notes = new List<string>();
            foreach (var deployer in deployers)
                notes.Add(await deployer.DeployAsync(model, version, stage, cancellationToken));
            var text = $"**{model}** {stage} now serves **v{version}** (was {(move.FromVersion is { } f ? "v" + f : "nothing")}). Predict with `POST /models/{model}@{stage}/predict`."
                + (notes.Count > 0 ? "\n\n" + string.Join("\n", notes) : "");
            return AgentResult.Ok(text, new Dictionary<string, string> { ["model"] = model, ["version"] = version.ToString(CultureInfo.InvariantCulture) });
        }
        catch (Exception ex) when (ex is ModelNotFoundException or RegistryException)
        {
            return AgentResult.Fail(ex.Message + " Nothing was changed.");
        }
    }

    private async Task<AgentResult> ListModelsAsync(AgentRequest request, CancellationToken ct)
    {
        var only = request.Get("model");
        var models = (await registry.ListModelsAsync(ct)).Where(m => only is null || m.Equals(only, StringComparison.OrdinalIgnoreCase)).ToList();
        if (models.Count == 0)
            return AgentResult.Ok(only is null ? "No model is registered yet. Train one: \"train a churn model on churn.csv target churn\"." : $"There is no model \"{only}\".");
        var aliases = await registry.ListAliasesAsync(cancellationToken: ct);
        var rows = new List<IReadOnlyList<string>>();
        foreach (var m in models)
            foreach (var v in (await registry.ListVersionsAsync(m, ct)).Take(5))
            {
                var on = aliases.Where(a => a.ModelName == m && a.Version == v.Version).Select(a => a.Alias);
                rows.Add([m, "v" + v.Version, v.MetricText, string.Join(", ", on), v.DatasetName ?? "", v.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)]);
            }
        var card = new Card("Registered models", [new CardTable(["Model", "Version", "Test metric", "Aliases", "Dataset", "Created"], rows)]);
        var latest = await registry.ListVersionsAsync(models[0], ct);
        return AgentResult.Ok(new BotReply($"{models.Count} model(s); newest versions first.", [card]),
            models.Count == 1 ? new Dictionary<string, string> { ["model"] = models[0], ["version"] = latest[0].Version.ToString(CultureInfo.InvariantCulture) } : null);
    }

    private async Task<AgentResult> ProposeDeployAsync(AgentRequest request, CancellationToken ct)
    {
        var model = request.Get("model") ?? request.Turn.Memory.GetValueOrDefault("model");
        if (model is null) return await AskForModelAsync("deploy", "Which model should I deploy?", ct);
        var stage = NormaliseStage(request.Get("stage"));
        if (stage is null)
            return AgentResult.Ok(new BotReply($"Deploy {model} to which stage?",
                [new Card("Choose a stage", [], [CardAction.Choose("Staging", $"deploy {model}{VersionSuffix(request)} to staging"), CardAction.Choose("Production", $"deploy {model}{VersionSuffix(request)} to production")])]));
        var requested = request.Get("version") ?? (request.Turn.Memory.GetValueOrDefault("model") == model ? request.Turn.Memory.GetValueOrDefault("version") : null) ?? "latest";
        var version = await server.ResolveAsync(model, requested, ct);
        var current = await registry.GetAliasAsync(model, stage, ct);
        if (current?.Version == version.Version)
            return AgentResult.Ok($"{model} {stage} already serves v{version.Version}; nothing to do.");
        if (stage == "production" && options.Value.ProductionRefusal(version.Metrics) is { } refusal)
            return AgentResult.Fail($"I can't deploy {model} v{version.Version} to production: {refusal}.");
        var summary = $"Deploy {model} v{version.Version} to {stage}" + (current is null ? "" : $" (replacing v{current.Version})");
        var args = new JsonObject { ["model"] = model, ["version"] = version.Version, ["stage"] = stage };
        var role = security.Value.ApproverRoleFor(request.Intent, stage);
        return AgentResult.NeedsApproval(new ApprovalProposal(request.Intent, summary, args, role, "model:" + model),
            $"{summary}. Its test {version.MetricText}.");
    }

    private async Task<AgentResult> ProposeRollbackAsync(AgentRequest request, CancellationToken ct)
    {
        var model = request.Get("model") ?? request.Turn.Memory.GetValueOrDefault("model");
        if (model is null) return await AskForModelAsync("roll back", "Which model should I roll back?", ct);
        var stage = NormaliseStage(request.Get("stage")) ?? "production";
        var current = await registry.GetAliasAsync(model, stage, ct) ?? throw new RegistryException($"{model} has nothing deployed in {stage}, so there is nothing to roll back.");
        var target = await registry.RollbackTargetAsync(model, stage, ct) ?? throw new RegistryException($"{model} {stage} has no earlier version to return to (v{current.Version} was its first).");
        var summary = $"Roll back {model} {stage} from v{current.Version} to v{target}";
        var args = new JsonObject { ["model"] = model, ["version"] = target, ["stage"] = stage };
        return AgentResult.NeedsApproval(new ApprovalProposal(request.Intent, summary, args, security.Value.ApproverRoleFor(request.Intent, stage), "model:" + model), summary + ".");
    }

    private async Task<AgentResult> ListDeploymentsAsync(AgentRequest request, CancellationToken ct)
    {
        var stage = NormaliseStage(request.Get("stage"));
        var aliases = await registry.ListAliasesAsync(stage, request.Get("model"), ct);
        if (aliases.Count == 0) return AgentResult.Ok(stage is null ? "Nothing is deployed yet." : $"Nothing is deployed in {stage}.");
        var rows = aliases.Select(a => (IReadOnlyList<string>)[a.ModelName, a.Alias, "v" + a.Version, a.UpdatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), a.UpdatedBy]).ToList();
        return AgentResult.Ok(new BotReply($"{aliases.Count} deployment(s).", [new Card("Deployments", [new CardTable(["Model", "Stage", "Version", "Since", "Requested by"], rows)])]));
    }

    private async Task<AgentResult> PredictAsync(AgentRequest request, CancellationToken ct)
    {
        var model = request.Get("model") ?? request.Turn.Memory.GetValueOrDefault("model");
        if (model is null) return await AskForModelAsync("predict with", "Which model should score it?", ct);
        string target;
        if (request.Get("version") is { } v) target = v;
        else if (NormaliseStage(request.Get("stage")) is { } s) target = s;
        else target = await registry.GetAliasAsync(model, "production", ct) is not null ? "production" : "latest";
        if (request.Entities["record"] is not JsonObject record || record.Count == 0)
        {
            if (request.Get("dataset") is { } datasetName) return await PredictDatasetAsync(model, target, datasetName, ct);
            return AgentResult.Fail($"Give me the feature values, e.g. \"predict with {model}: tenure=3, contract=monthly\", or a dataset: \"score new-customers with {model}\".");
        }
        var fields = record.ToDictionary(kv => kv.Key, kv => (object?)(kv.Value is JsonValue jv ? (jv.TryGetValue<double>(out var d) ? d : jv.TryGetValue<bool>(out var b) ? b : jv.ToString()) : kv.Value?.ToJsonString()));
        try
        {
            var served = await server.PredictAsync(model, target, [fields], ct);
            var p = served.Predictions[0];
            var facts = new List<KeyValuePair<string, string>> { new("Model", $"{model} v{served.Version}{(served.Alias is null ? "" : $" ({served.Alias})")}") };
            if (p.Label is not null) facts.Add(new("Prediction", p.Label));
            if (p.Value is { } value) facts.Add(new("Prediction", value.ToString("0.####", CultureInfo.InvariantCulture)));
            if (p.Probabilities is { } probs)
                for (var i = 0; i < probs.Length && i < served.ClassLabels.Count; i++) facts.Add(new($"P({served.ClassLabels[i]})", probs[i].ToString("0.###", CultureInfo.InvariantCulture)));
            if (served.PredictionIds.Count > 0) facts.Add(new("Prediction id", served.PredictionIds[0]));
            return AgentResult.Ok(new BotReply($"{model} v{served.Version} predicts **{p.Label ?? p.Value?.ToString("0.####", CultureInfo.InvariantCulture)}**.", [new Card("Prediction", [new CardFacts(facts)])]),
                new Dictionary<string, string> { ["model"] = model, ["version"] = served.Version.ToString(CultureInfo.InvariantCulture) });
        }
        catch (RecordValidationException ex)
        {
            var predictor = await server.GetPredictorAsync(await server.ResolveAsync(model, target, ct), ct);
            return AgentResult.Fail($"{ex.Message} The model needs: {string.Join(", ", predictor.InputColumns)}.");
        }
    }

    private async Task<AgentResult> PredictDatasetAsync(string model, string target, string datasetName, CancellationToken ct)
    {
        var dataset = await datasets.GetAsync(datasetName, null, ct) ?? throw new DatasetException($"There is no dataset \"{datasetName}\".");
        var version = await server.ResolveAsync(model, target, ct);
        var predictor = await server.GetPredictorAsync(version, ct);
        SwarmAgentBot.Ml.Tabular.TabularData table;
        await using (var stream = await datasets.OpenAsync(dataset, ct))
            table = await SwarmAgentBot.Ml.Tabular.CsvTable.LoadAsync(stream, dataset.Name, null, ct);
        IReadOnlyList<SwarmAgentBot.Ml.AutoMl.Prediction> predictions;
        try { predictions = predictor.PredictTable(table); }
        catch (RecordValidationException ex) { return AgentResult.Fail($"{ex.Message} {model} v{version.Version} needs: {string.Join(", ", predictor.InputColumns)}."); }
        var key = $"predictions/{model}/v{version.Version}/{dataset.Name}-v{dataset.Version}.csv";
        using (var buffer = new MemoryStream())
        {
            await using (var writer = new StreamWriter(buffer, leaveOpen: true))
                await predictor.WriteCsvAsync(predictions, writer, ct);
            buffer.Position = 0;
            await store.PutAsync(key, buffer, "text/csv", ct);
        }
        var summary = predictions.Where(p => p.Label is not null).GroupBy(p => p.Label!).OrderByDescending(g => g.Count())
            .Select(g => $"{g.Key}: {g.Count():N0} ({(double)g.Count() / predictions.Count:P0})").ToList();
        var text = $"Scored {predictions.Count:N0} rows of {dataset.Label} with {model} v{version.Version}." +
            (summary.Count > 0 ? $" Predicted: {string.Join(", ", summary)}." : "") + $" The predictions (one line per row, in order) are stored at `{key}`.";
        return AgentResult.Ok(text, new Dictionary<string, string> { ["model"] = model, ["version"] = version.Version.ToString(CultureInfo.InvariantCulture), ["dataset"] = dataset.Name });
    }

    private async Task<AgentResult> AskForModelAsync(string verb, string question, CancellationToken ct)
    {
        var models = await registry.ListModelsAsync(ct);
        if (models.Count == 0) return AgentResult.Fail("No model is registered yet. Train one first, e.g. \"train a churn model on churn.csv target churn\".");
        return AgentResult.Ok(new BotReply(question, [new Card("Choose a model", [], models.Take(8).Select(m => CardAction.Choose(m, $"{verb} {m}")).ToList())]));
    }

    private static string VersionSuffix(AgentRequest request) => request.Get("version") is { } v ? " v" + v : "";

    /// <summary>Normalises a stage: prod/live → production, stage/test → staging, other aliases as given (lower case).</summary>
    public static string? NormaliseStage(string? stage) => stage?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "prod" or "production" or "live" => "production",
        "stage" or "staging" or "test" or "test env" => "staging",
        var other => other,
    };

}

/// <summary>
/// Something that makes a deployment real beyond the alias move (a Kubernetes Deployment/Service,
/// or a rendered manifest). Returns one line for the user.
/// </summary>
public interface IServingDeployer
{
    /// <summary>Deploys the version for the stage.</summary>
    Task<string> DeployAsync(string modelName, int version, string stage, CancellationToken cancellationToken = default);
}
