using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Integrations.Kubeflow;

/// <summary>
/// Pipelines on Kubeflow Pipelines (v2beta1 REST). Pipelines are found by display name, the newest
/// version is the one described and run, parameters come from the compiled spec's
/// root.inputDefinitions and are validated before a run is created, per-step progress comes from
/// run_details.task_details.
/// </summary>
public sealed class KubeflowPipelineService(KubeflowClient client, IOptions<PipelinesOptions> options, ILogger<KubeflowPipelineService> logger) : IPipelineService
{
    private const int MaxPipelinePages = 10;
    private readonly ConcurrentDictionary<string, string> _pipelineNames = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public string Describe() => $"Kubeflow Pipelines at {options.Value.Kubeflow.Endpoint}";

    /// <inheritdoc />
    public async Task<IReadOnlyList<PipelineSummary>> ListPipelinesAsync(CancellationToken cancellationToken = default)
    {
        var result = new List<PipelineSummary>();
        foreach (var pipeline in await AllPipelinesAsync(cancellationToken))
        {
            var versions = await client.ListPipelineVersionsAsync(pipeline.PipelineId, 10, cancellationToken);
            result.Add(new PipelineSummary(pipeline.PipelineId, NameOf(pipeline), pipeline.Description,
                (versions.PipelineVersions ?? []).Select(v => new PipelineVersionInfo(v.PipelineVersionId, v.DisplayName ?? v.PipelineVersionId, v.CreatedAt)).ToList()));
        }
        return result;
    }

    /// <inheritdoc />
    public async Task<PipelineDefinition> DescribePipelineAsync(string pipeline, CancellationToken cancellationToken = default)
    {
        var found = await FindPipelineAsync(pipeline, cancellationToken);
        var versions = await client.ListPipelineVersionsAsync(found.PipelineId, 1, cancellationToken);
        var latest = versions.PipelineVersions?.FirstOrDefault()
            ?? throw new PipelineException($"Pipeline '{NameOf(found)}' on Kubeflow has no version to run; upload one first.");
        var spec = latest.PipelineSpec?["pipeline_spec"] as JsonObject ?? latest.PipelineSpec;
        var root = spec?["root"] as JsonObject;
        return new PipelineDefinition(found.PipelineId, NameOf(found), found.Description ?? latest.Description, latest.PipelineVersionId,
            Parameters(root?["inputDefinitions"]?["parameters"] as JsonObject), Steps(root?["dag"]?["tasks"] as JsonObject));
    }

    /// <inheritdoc />
    public async Task<PipelineRun> StartRunAsync(PipelineRunRequest request, CancellationToken cancellationToken = default)
    {
        var definition = await DescribePipelineAsync(request.Pipeline, cancellationToken);
        var values = PipelineParameters.Resolve(definition, request.Parameters);
        var parameters = new JsonObject();
        foreach (var (k, v) in values) parameters[k] = v?.DeepClone();
        var body = new KfpCreateRun(
            request.DisplayName ?? $"{definition.Name} {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}",
            new KfpPipelineVersionReference(definition.Id, definition.VersionId),
            new KfpRuntimeConfig(parameters),
            string.IsNullOrEmpty(options.Value.Kubeflow.ExperimentId) ? null : options.Value.Kubeflow.ExperimentId,
            request.StartedBy is null ? null : $"Started by {request.StartedBy} from SwarmAgentBot");
        var run = await client.CreateRunAsync(body, cancellationToken);
        _pipelineNames[definition.Id] = definition.Name;
        logger.LogInformation("Created Kubeflow run {RunId} of {Pipeline}", run.RunId, definition.Name);
        return await ToRunAsync(run, request.StartedBy, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<PipelineRun> GetRunAsync(string runId, CancellationToken cancellationToken = default) =>
        await ToRunAsync(await GetKfpRunAsync(runId, cancellationToken), null, cancellationToken);

    /// <inheritdoc />
    public async Task<PipelineRunPage> ListRunsAsync(PipelineRunQuery query, CancellationToken cancellationToken = default)
    {
        var predicates = new List<KfpPredicate>();
        if (query.Pipeline is { } name) predicates.Add(new KfpPredicate("pipeline_id", "EQUALS", (await FindPipelineAsync(name, cancellationToken)).PipelineId));
        if (query.State is { } state) predicates.Add(new KfpPredicate("state", "EQUALS", state.ToWire()));
        var page = await client.ListRunsAsync(Math.Clamp(query.PageSize, 1, 100), query.PageToken, predicates.Count == 0 ? null : new KfpFilter(predicates), cancellationToken);
        var runs = new List<PipelineRun>();
        foreach (var run in page.Runs ?? []) runs.Add(await ToRunAsync(run, null, cancellationToken));
        return new PipelineRunPage(runs, string.IsNullOrEmpty(page.NextPageToken) ? null : page.NextPageToken, page.TotalSize);
    }

    /// <inheritdoc />
    public async Task<string> GetLogsAsync(string runId, string? step = null, int? tailLines = null, CancellationToken cancellationToken = default)
    {
        var run = await GetRunAsync(runId, cancellationToken);
        if (step is not null && !run.Steps.Any(s => string.Equals(s.Name, step, StringComparison.OrdinalIgnoreCase)))
            throw new PipelineException($"Run {runId} ({run.Pipeline}) has no step '{step}'. Its steps: {string.Join(", ", run.Steps.Select(s => s.Name))}.");
        // The v2beta1 REST API serves no container logs (they live in the pods / the artifact store).
        var lines = run.Steps.Where(s => step is null || string.Equals(s.Name, step, StringComparison.OrdinalIgnoreCase))
            .Select(s => $"{s.Name}: {s.State.ToWire()}{(s.Message is null ? "" : " — " + s.Message)}");
        return $"Kubeflow Pipelines does not serve step logs over its REST API; open {options.Value.Kubeflow.Endpoint?.TrimEnd('/')}/#/runs/details/{runId} for the container logs.\n"
            + string.Join("\n", lines) + "\n";
    }

    /// <inheritdoc />
    public async Task<PipelineRun> CancelRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        var run = await GetRunAsync(runId, cancellationToken);
        if (run.IsFinished) return run;
        await client.TerminateRunAsync(runId, cancellationToken);
        logger.LogInformation("Terminated Kubeflow run {RunId}", runId);
        return await GetRunAsync(runId, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<PipelineRun> RetryRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        var run = await GetRunAsync(runId, cancellationToken);
        PipelineRunStates.EnsureRetryable(runId, run.State);
        await client.RetryRunAsync(runId, cancellationToken);
        return await GetRunAsync(runId, cancellationToken);
    }

    /// <inheritdoc />
    public Task<PipelineRunComparison> CompareRunsAsync(IReadOnlyList<string> runIds, CancellationToken cancellationToken = default) =>
        PipelineRunComparison.CollectAsync(runIds, GetRunAsync, cancellationToken);

    private async Task<KfpRun> GetKfpRunAsync(string runId, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetRunAsync(runId, cancellationToken);
        }
        catch (KubeflowApiException ex) when (ex.StatusCode == 404)
        {
            throw new PipelineRunNotFoundException(runId);
        }
    }

    private async Task<List<KfpPipeline>> AllPipelinesAsync(CancellationToken cancellationToken)
    {
        var all = new List<KfpPipeline>();
        string? token = null;
        for (var page = 0; page < MaxPipelinePages; page++)
        {
            var list = await client.ListPipelinesAsync(100, token, null, cancellationToken);
            all.AddRange(list.Pipelines ?? []);
            token = list.NextPageToken;
            if (string.IsNullOrEmpty(token)) break;
        }
        foreach (var p in all) _pipelineNames[p.PipelineId] = NameOf(p);
        return all;
    }

    private async Task<KfpPipeline> FindPipelineAsync(string name, CancellationToken cancellationToken)
    {
        var byName = await client.ListPipelinesAsync(2, null, new KfpFilter([new KfpPredicate("display_name", "EQUALS", name)]), cancellationToken);
        if (byName.Pipelines is { Count: > 0 } hits) return hits[0];
        try
        {
            return await client.GetPipelineAsync(name, cancellationToken);
        }
        catch (KubeflowApiException ex) when (ex.StatusCode is 404 or 400)
        {
            var names = (await AllPipelinesAsync(cancellationToken)).Select(NameOf).Order(StringComparer.Ordinal).ToList();
            throw new PipelineNotFoundException(name, names);
        }
    }

    private async Task<PipelineRun> ToRunAsync(KfpRun run, string? startedBy, CancellationToken cancellationToken)
    {
        var pipelineId = run.PipelineVersionReference?.PipelineId;
        var pipeline = pipelineId is null ? "(inline spec)" : await PipelineNameAsync(pipelineId, cancellationToken);
        var parameters = (run.RuntimeConfig?.Parameters ?? []).ToDictionary(p => p.Key, p => p.Value?.DeepClone(), StringComparer.Ordinal);
        var tasks = (run.RunDetails?.TaskDetails ?? [])
            // The root DAG and KFP's own driver/executor bookkeeping tasks are not steps a user wrote.
            .Where(t => t.DisplayName is { Length: > 0 } n && n != "root" && !n.EndsWith("-driver", StringComparison.Ordinal))
            .GroupBy(t => t.DisplayName!).Select(g => g.OrderBy(t => t.StartTime).Last())
            .Select(t => new PipelineStepRun(t.DisplayName!, PipelineRunStates.Parse(t.State) ?? PipelineRunState.Unspecified, Time(t.StartTime), Time(t.EndTime), t.Error?.Message, new Dictionary<string, double>()))
            .ToList();
        return new PipelineRun(run.RunId, pipeline, run.DisplayName, PipelineRunStates.Parse(run.State) ?? PipelineRunState.Unspecified, parameters, tasks,
            new Dictionary<string, double>(), Time(run.CreatedAt) ?? DateTimeOffset.UtcNow, Time(run.FinishedAt), run.Error?.Message, startedBy);
    }

    private async Task<string> PipelineNameAsync(string pipelineId, CancellationToken cancellationToken)
    {
        if (_pipelineNames.TryGetValue(pipelineId, out var name)) return name;
        try
        {
            name = NameOf(await client.GetPipelineAsync(pipelineId, cancellationToken));
        }
        catch (KubeflowApiException ex) when (ex.StatusCode == 404)
        {
            name = pipelineId; // the pipeline was deleted; its runs remain
        }
        return _pipelineNames[pipelineId] = name;
    }

    // KFP writes the Unix epoch for "not set".
    private static DateTimeOffset? Time(DateTimeOffset? t) => t is { } v && v.ToUnixTimeSeconds() > 0 ? v : null;

    private static string NameOf(KfpPipeline p) => string.IsNullOrEmpty(p.DisplayName) ? p.PipelineId : p.DisplayName;

    private static List<PipelineParameter> Parameters(JsonObject? definitions)
    {
        var result = new List<PipelineParameter>();
        foreach (var (name, node) in definitions ?? [])
        {
            var type = node?["parameterType"]?.GetValue<string>() switch
            {
                "NUMBER_INTEGER" => PipelineParameterType.Int,
                "NUMBER_DOUBLE" => PipelineParameterType.Float,
                "BOOLEAN" => PipelineParameterType.Bool,
                _ => PipelineParameterType.String,
            };
            var optional = node?["isOptional"] is JsonValue o && o.GetValueKind() == JsonValueKind.True;
            result.Add(new PipelineParameter(name, type, node?["defaultValue"]?.DeepClone(), node?["description"]?.GetValue<string>(), optional));
        }
        return result;
    }

    private static List<PipelineStepInfo> Steps(JsonObject? tasks)
    {
        var steps = (tasks ?? []).Select(t => new PipelineStepInfo(
            t.Value?["taskInfo"]?["name"]?.GetValue<string>() ?? t.Key,
            null,
            (t.Value?["dependentTasks"] as JsonArray ?? []).Select(d => d!.GetValue<string>()).ToList())).ToList();
        // Show them in an order where each comes after what it depends on.
        var ordered = new List<PipelineStepInfo>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        while (ordered.Count < steps.Count)
        {
            var next = steps.FirstOrDefault(s => !done.Contains(s.Name) && s.DependsOn.All(done.Contains)) ?? steps.First(s => !done.Contains(s.Name));
            ordered.Add(next);
            done.Add(next.Name);
        }
        return ordered;
    }
}
