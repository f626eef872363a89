using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Agents.Training;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Supervisor;

namespace SwarmAgentBot.Agents.Agents.Pipeline;

/// <summary>
/// The pipeline agent: lists and describes pipelines, starts runs with validated parameters, reports
/// status, logs and comparisons, and cancels runs after approval. Runs it starts are watched by
/// <see cref="PipelineRunWatcher"/>, which reports their end to the conversation.
/// </summary>
public sealed class PipelineAgent(
    IPipelineService pipelines,
    PipelineRunWatches watches,
    IOptions<SecurityOptions> security,
    ILogger<PipelineAgent> logger,
    TrainingRunStore? trainingRuns = null) : IAgent
{
    /// <summary>Log lines shown by default.</summary>
    public const int DefaultLogLines = 40;

    /// <inheritdoc />
    public string Name => "pipeline";

    /// <inheritdoc />
    public IReadOnlyList<IntentDescriptor> Intents { get; } =
    [
        // Entity schemas come from the shared intent catalogue (intents.md), so the router, the LLM planner and this agent agree.
        IntentSchemas.Descriptor("pipeline.list_pipelines", ["list pipelines", "which pipelines can I run?"]),
        IntentSchemas.Descriptor("pipeline.describe_pipeline", ["describe train-and-register", "what parameters does drift-check take?"]),
        IntentSchemas.Descriptor("pipeline.run_pipeline", ["run train-and-register with dataset=churn.csv target=Churn", "run drift-check with reference=jan.csv current=feb.csv"]),
        IntentSchemas.Descriptor("pipeline.list_runs", ["list pipeline runs", "failed runs of train-and-register"]),
        IntentSchemas.Descriptor("pipeline.run_status", ["status of run 7"]),
        IntentSchemas.Descriptor("pipeline.run_logs", ["logs of run 7 step train"]),
        IntentSchemas.Descriptor("pipeline.cancel_run", ["cancel run 7"]),
        IntentSchemas.Descriptor("pipeline.compare_runs", ["compare runs 7 and 8"]),
    ];

    /// <inheritdoc />
    public async Task<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken = default)
    {
        try
        {
            return request.Intent switch
            {
                "pipeline.list_pipelines" => await ListPipelinesAsync(cancellationToken),
                "pipeline.describe_pipeline" => await DescribeAsync(request, cancellationToken),
                "pipeline.run_pipeline" => await RunAsync(request, cancellationToken),
                "pipeline.list_runs" => await ListRunsAsync(request, cancellationToken),
                "pipeline.run_status" => await StatusAsync(request, cancellationToken),
                "pipeline.run_logs" => await LogsAsync(request, cancellationToken),
                "pipeline.cancel_run" => await ProposeCancelAsync(request, cancellationToken),
                "pipeline.compare_runs" => await CompareAsync(request, cancellationToken),
                _ => AgentResult.Fail($"The pipeline agent does not handle {request.Intent}."),
            };
        }
        catch (PipelineException ex)
        {
            return AgentResult.Fail(ex.Message);
        }
    }

    /// <inheritdoc />
    public async Task<AgentResult> ExecuteApprovedAsync(ApprovedAction action, CancellationToken cancellationToken = default)
    {
        if (action.Intent != "pipeline.cancel_run") return AgentResult.Fail($"The pipeline agent has no approved action {action.Intent}.");
        var runId = action.Arguments["run_id"]?.GetValue<string>();
        if (string.IsNullOrEmpty(runId)) return AgentResult.Fail("The approval did not record which run to cancel; nothing was done.");
        try
        {
            var before = await pipelines.GetRunAsync(runId, cancellationToken);
            if (before.IsFinished) return AgentResult.Fail($"Run {runId} had already ended ({before.State.ToWire()}) by the time it was approved; nothing was canceled.");
            var run = await pipelines.CancelRunAsync(runId, cancellationToken);
            logger.LogInformation("Run {RunId} canceled on approval {ApprovalId} by {Approver}", runId, action.ApprovalId, action.ApprovedBy);
            return AgentResult.Ok(new BotReply($"Run {runId} ({run.Pipeline}) is {run.State.ToWire()}: its running steps were stopped.", [PipelineCards.Run(run)]),
                new Dictionary<string, string> { ["run_id"] = runId });
        }
        catch (PipelineException ex)
        {
            return AgentResult.Fail(ex.Message);
        }
    }

    private async Task<AgentResult> ListPipelinesAsync(CancellationToken cancellationToken)
    {
        var all = await pipelines.ListPipelinesAsync(cancellationToken);
        if (all.Count == 0) return AgentResult.Ok($"No pipelines are defined on {pipelines.Describe()}.");
        return AgentResult.Ok(new BotReply($"{all.Count} pipeline(s) on {pipelines.Describe()}:", [PipelineCards.Pipelines(all)]));
    }

    private async Task<AgentResult> DescribeAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        if (request.Get("pipeline") is not { Length: > 0 } name) return await AskWhichPipelineAsync("describe pipeline", "Which pipeline should I describe?", cancellationToken);
        var definition = await pipelines.DescribePipelineAsync(name, cancellationToken);
        return AgentResult.Ok(new BotReply($"**{definition.Name}**: {definition.Description ?? "(no description)"}", [PipelineCards.Definition(definition)]),
            new Dictionary<string, string> { ["pipeline"] = definition.Name });
    }

    private async Task<AgentResult> RunAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        if (request.Get("pipeline") is not { Length: > 0 } name) return await AskWhichPipelineAsync("run", "Which pipeline should I run?", cancellationToken);
        var parameters = ParametersOf(request.Entities["params"]);
        if (parameters is null)
            return AgentResult.Fail("I could not read the parameters; give them as name=value pairs, e.g. \"run train-and-register with dataset=churn.csv target=Churn\".");
        var definition = await pipelines.DescribePipelineAsync(name, cancellationToken);
        // Validate before anything is created: a wrong name or type is reported with the valid parameters, and nothing runs.
        PipelineParameters.Resolve(definition, parameters);
        var user = request.Turn.User.Name ?? request.Turn.User.Id;
        var run = await pipelines.StartRunAsync(new PipelineRunRequest(definition.Name, parameters, StartedBy: user), cancellationToken);
        // Not "run:<id>": training runs number from 1 too, and a parked plan must wake for the right run.
        var key = "pipeline-run:" + run.Id;
        await watches.AddAsync(new PipelineRunWatch(run.Id, run.Pipeline, request.Turn.Conversation, user, key), cancellationToken);
        var shown = string.Join(", ", run.Parameters.Select(p => $"{p.Key}={PipelineParameters.Text(p.Value)}"));
        return new AgentResult
        {
            Reply = new BotReply($"Started run **{run.Id}** of {run.Pipeline}{(shown.Length == 0 ? "" : $" with {shown}")} on {pipelines.Describe()}. I'll post here when it finishes; ask \"status of run {run.Id}\" meanwhile.",
                [PipelineCards.Run(run)]),
            Remember = new Dictionary<string, string> { ["run_id"] = run.Id, ["pipeline"] = run.Pipeline },
            ContinuationKey = key,
        };
    }

    private async Task<AgentResult> ListRunsAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        PipelineRunState? state = null;
        if (request.Get("status") is { Length: > 0 } status)
        {
            state = status.Trim().ToLowerInvariant() switch
            {
                "completed" or "done" or "finished successfully" or "successful" => PipelineRunState.Succeeded,
                "active" or "in progress" => PipelineRunState.Running,
                _ => PipelineRunStates.Parse(status),
            };
            if (state is null)
                return AgentResult.Fail($"\"{status}\" is not a run state. Use one of: PENDING, RUNNING, SUCCEEDED, FAILED, CANCELING, CANCELED.");
        }
        var pipeline = request.Get("pipeline");
        // An unknown name gets the list of real ones rather than an empty answer.
        if (pipeline is not null) pipeline = (await pipelines.DescribePipelineAsync(pipeline, cancellationToken)).Name;
        var page = await pipelines.ListRunsAsync(new PipelineRunQuery(pipeline, state, 15), cancellationToken);
        var what = $"{(state is null ? "" : state.Value.ToWire() + " ")}runs{(pipeline is null ? "" : " of " + pipeline)}";
        if (page.Runs.Count == 0) return AgentResult.Ok($"There are no {what} yet.");
        var total = page.TotalSize is { } t && t > page.Runs.Count ? $" (latest {page.Runs.Count} of {t})" : "";
        return AgentResult.Ok(new BotReply($"Recent {what}{total}:", [PipelineCards.Runs(page.Runs, "Pipeline runs")]));
    }

    private async Task<bool> IsTrainingRunAsync(string runId, CancellationToken cancellationToken) =>
        trainingRuns is not null && long.TryParse(runId.TrimStart('#'), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id)
        && await trainingRuns.GetAsync(id, cancellationToken) is not null;

    private async Task<AgentResult> StatusAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        if (RunIdOf(request) is not { } runId) return AgentResult.Fail("Which run? Say e.g. \"status of run 12\", or \"list pipeline runs\" to see them.");
        PipelineRun run;
        try
        {
            run = await pipelines.GetRunAsync(runId, cancellationToken);
        }
        catch (PipelineRunNotFoundException)
        {
            // "status of run 3" reads as a pipeline run, but run 3 may be a training run (the training agent's own replies say "run 3").
            if (await IsTrainingRunAsync(runId, cancellationToken)) return AgentResult.HandOverTo("training.training_status", new JsonObject { ["run_id"] = runId });
            throw;
        }
        var running = run.Steps.Where(s => s.State == PipelineRunState.Running).Select(s => s.Name).ToList();
        var text = $"Run **{run.Id}** of {run.Pipeline} is {run.State.ToWire()} ({PipelineCards.Progress(run)})"
            + (running.Count > 0 ? $"; running now: {string.Join(", ", running)}" : "")
            + (run.Error is { } e ? $". {e.TrimEnd('.')}" : "") + ".";
        return new AgentResult
        {
            Reply = new BotReply(text, [PipelineCards.Run(run)]),
            Remember = new Dictionary<string, string> { ["run_id"] = run.Id, ["pipeline"] = run.Pipeline },
            Metrics = run.Metrics,
        };
    }

    private async Task<AgentResult> LogsAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        if (RunIdOf(request) is not { } runId) return AgentResult.Fail("Which run's logs? Say e.g. \"logs of run 12 step train\".");
        var step = request.Get("step");
        var lines = request.GetNumber("lines") is { } n && n >= 1 ? (int)Math.Min(n, 500) : DefaultLogLines;
        var text = await pipelines.GetLogsAsync(runId, step, lines, cancellationToken);
        var where = step is null ? $"run {runId}" : $"step {step} of run {runId}";
        if (text.Trim().Length == 0) return AgentResult.Ok($"The log of {where} is empty so far.", new Dictionary<string, string> { ["run_id"] = runId });
        return AgentResult.Ok($"Last {lines} lines of {where}:\n```\n{text.TrimEnd()}\n```", new Dictionary<string, string> { ["run_id"] = runId });
    }

    private async Task<AgentResult> ProposeCancelAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        if (RunIdOf(request) is not { } runId) return AgentResult.Fail("Which run should I cancel? Say e.g. \"cancel run 12\".");
        var run = await pipelines.GetRunAsync(runId, cancellationToken);
        if (run.IsFinished) return AgentResult.Fail($"Run {run.Id} ({run.Pipeline}) already ended ({run.State.ToWire()}); there is nothing to cancel.");
        var proposal = new ApprovalProposal("pipeline.cancel_run",
            $"Cancel pipeline run {run.Id} ({run.Pipeline}, {run.State.ToWire()}, {PipelineCards.Progress(run)})",
            new JsonObject { ["run_id"] = run.Id, ["pipeline"] = run.Pipeline },
            security.Value.ApproverRoleFor("pipeline.cancel_run", null),
            "pipeline-run:" + run.Id);
        return AgentResult.NeedsApproval(proposal, $"Canceling run {run.Id} of {run.Pipeline} stops its running steps; finished steps keep their results.");
    }

    private async Task<AgentResult> CompareAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var ids = RunIdsOf(request.Entities["run_ids"]);
        if (ids.Count < 2) return AgentResult.Fail("Name at least two runs to compare, e.g. \"compare runs 7 and 8\".");
        var comparison = await pipelines.CompareRunsAsync(ids, cancellationToken);
        return new AgentResult
        {
            Reply = new BotReply($"Runs {string.Join(", ", comparison.Runs.Select(r => r.Id))} side by side:", [PipelineCards.Comparison(comparison)]),
        };
    }

    private async Task<AgentResult> AskWhichPipelineAsync(string verb, string question, CancellationToken cancellationToken)
    {
        var all = await pipelines.ListPipelinesAsync(cancellationToken);
        if (all.Count == 0) return AgentResult.Fail($"No pipelines are defined on {pipelines.Describe()}.");
        var card = new Card(question, [new CardText(string.Join("\n", all.Select(p => $"- **{p.Name}**: {p.Description}")))],
            all.Take(6).Select(p => CardAction.Choose(p.Name, $"{verb} {p.Name}")).ToList());
        return new AgentResult { Reply = new BotReply(question, [card]), Succeeded = false };
    }

    private static string? RunIdOf(AgentRequest request)
    {
        var id = request.Get("run_id") ?? (request.Turn.Memory.TryGetValue("run_id", out var remembered) ? remembered : null);
        return string.IsNullOrWhiteSpace(id) ? null : id.Trim().TrimStart('#');
    }

    /// <summary>run_ids as a JSON list ["7","8"] / [7, 8] or a string "7, 8 and 9".</summary>
    internal static List<string> RunIdsOf(JsonNode? node) => node switch
    {
        JsonArray array => array.Where(n => n is not null).Select(n => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : n!.ToJsonString())
            .Select(s => s.Trim().TrimStart('#')).Where(s => s.Length > 0).ToList(),
        JsonValue value => value.ToString().Replace(" and ", ",", StringComparison.OrdinalIgnoreCase).Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.Trim().TrimStart('#')).ToList(),
        _ => [],
    };

    /// <summary>params as a JSON object, or "a=1, b=x" text; null when unreadable.</summary>
    internal static JsonObject? ParametersOf(JsonNode? node)
    {
        switch (node)
        {
            case null: return new JsonObject();
            case JsonObject obj: return obj.DeepClone().AsObject();
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                try
                {
                    return PipelineParameters.FromPairs(v.GetValue<string>().Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries));
                }
                catch (PipelineException)
                {
                    return null;
                }
            default: return null;
        }
    }
}
