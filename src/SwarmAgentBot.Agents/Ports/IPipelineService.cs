using System.Text.Json.Nodes;

namespace SwarmAgentBot.Agents.Ports;

/// <summary>
/// Pipelines: multi-step workflows (profile → train → evaluate → register, batch scoring, drift checks).
/// Two implementations: the local engine (manifests/pipelines/*.yaml run as local jobs, the default)
/// and Kubeflow Pipelines (v2beta1 REST). Names are pipeline names; run ids are strings.
/// Failures the user can act on throw <see cref="PipelineException"/> (or a subclass) with a clear message.
/// </summary>
public interface IPipelineService
{
    /// <summary>Where pipelines run, for messages ("local engine (manifests/pipelines)", "Kubeflow at https://...").</summary>
    string Describe();

    /// <summary>Every pipeline with its versions (newest first).</summary>
    Task<IReadOnlyList<PipelineSummary>> ListPipelinesAsync(CancellationToken cancellationToken = default);

    /// <summary>What a pipeline does: its parameters (types, defaults) and steps. Throws <see cref="PipelineNotFoundException"/>.</summary>
    Task<PipelineDefinition> DescribePipelineAsync(string pipeline, CancellationToken cancellationToken = default);

    /// <summary>
    /// Validates the parameters against the pipeline's definition (unknown name or wrong type →
    /// <see cref="PipelineParameterException"/>, nothing is started) and starts a run; returns at once.
    /// </summary>
    Task<PipelineRun> StartRunAsync(PipelineRunRequest request, CancellationToken cancellationToken = default);

    /// <summary>A run's state with per-step progress. Throws <see cref="PipelineRunNotFoundException"/>.</summary>
    Task<PipelineRun> GetRunAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Runs, newest first, filtered by pipeline and/or state, one page at a time.</summary>
    Task<PipelineRunPage> ListRunsAsync(PipelineRunQuery query, CancellationToken cancellationToken = default);

    /// <summary>Logs of one step (or of every step, one after the other, when <paramref name="step"/> is null), optionally only the last lines of each.</summary>
    Task<string> GetLogsAsync(string runId, string? step = null, int? tailLines = null, CancellationToken cancellationToken = default);

    /// <summary>Stops a run (its running steps are killed); returns the run as it is afterwards (CANCELING or CANCELED).</summary>
    Task<PipelineRun> CancelRunAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Re-runs the failed or canceled steps of a finished run (and what depends on them).</summary>
    Task<PipelineRun> RetryRunAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Parameters and metrics of two or more runs side by side.</summary>
    Task<PipelineRunComparison> CompareRunsAsync(IReadOnlyList<string> runIds, CancellationToken cancellationToken = default);
}

/// <summary>A pipeline and its versions.</summary>
/// <param name="Id">Backend id (the name for the local engine, a UUID on Kubeflow).</param>
/// <param name="Name">Display name users type.</param>
/// <param name="Description">What it does.</param>
/// <param name="Versions">Versions, newest first (one for the local engine).</param>
public sealed record PipelineSummary(string Id, string Name, string? Description, IReadOnlyList<PipelineVersionInfo> Versions);

/// <summary>One version of a pipeline.</summary>
public sealed record PipelineVersionInfo(string Id, string Name, DateTimeOffset? CreatedAt);

/// <summary>Types a pipeline parameter can have (KFP: STRING, NUMBER_INTEGER, NUMBER_DOUBLE, BOOLEAN).</summary>
public enum PipelineParameterType { String, Int, Float, Bool }

/// <summary>A pipeline parameter.</summary>
/// <param name="Name">Name as used in <c>--param name=value</c>.</param>
/// <param name="Type">Its type.</param>
/// <param name="Default">Default value (null: none; the parameter is then required unless <paramref name="Optional"/>).</param>
/// <param name="Description">What it means.</param>
/// <param name="Optional">True when it may be left out even without a default.</param>
public sealed record PipelineParameter(string Name, PipelineParameterType Type, JsonNode? Default, string? Description, bool Optional = false)
{
    /// <summary>True when a run must give a value.</summary>
    public bool Required => Default is null && !Optional;

    /// <summary>The type as users write it: string, int, float, bool.</summary>
    public string TypeName => Type.ToString().ToLowerInvariant();
}

/// <summary>A step of a pipeline definition.</summary>
public sealed record PipelineStepInfo(string Name, string? Description, IReadOnlyList<string> DependsOn);

/// <summary>Everything a user needs to run a pipeline.</summary>
/// <param name="Id">Backend id.</param>
/// <param name="Name">Display name.</param>
/// <param name="Description">What it does.</param>
/// <param name="VersionId">The version described (the newest).</param>
/// <param name="Parameters">Its parameters.</param>
/// <param name="Steps">Its steps in a valid order.</param>
public sealed record PipelineDefinition(string Id, string Name, string? Description, string? VersionId, IReadOnlyList<PipelineParameter> Parameters, IReadOnlyList<PipelineStepInfo> Steps);

/// <summary>A request to run a pipeline.</summary>
/// <param name="Pipeline">Pipeline name (or id).</param>
/// <param name="Parameters">Values by parameter name; strings are converted to the declared type ("0.1" for a float is fine).</param>
/// <param name="DisplayName">Name for the run; default "&lt;pipeline&gt; &lt;time&gt;".</param>
/// <param name="StartedBy">Who asked (for the run record and the audit trail).</param>
public sealed record PipelineRunRequest(string Pipeline, JsonObject Parameters, string? DisplayName = null, string? StartedBy = null);

/// <summary>Run and step states, as Kubeflow Pipelines names them.</summary>
public enum PipelineRunState { Unspecified, Pending, Running, Succeeded, Skipped, Failed, Canceling, Canceled, Paused }

/// <summary>Helpers for <see cref="PipelineRunState"/>.</summary>
public static class PipelineRunStates
{
    /// <summary>True once nothing will change any more.</summary>
    public static bool IsFinal(this PipelineRunState state) => state is PipelineRunState.Succeeded or PipelineRunState.Failed or PipelineRunState.Canceled or PipelineRunState.Skipped;

    /// <summary>Throws a <see cref="PipelineException"/> unless a run in <paramref name="state"/> can be retried (FAILED or CANCELED).</summary>
    public static void EnsureRetryable(string runId, PipelineRunState state)
    {
        if (state is not (PipelineRunState.Failed or PipelineRunState.Canceled))
            throw new PipelineException($"Run {runId} is {state.ToWire()}; only a FAILED or CANCELED run can be retried.");
    }

    /// <summary>The KFP spelling: "SUCCEEDED".</summary>
    public static string ToWire(this PipelineRunState state) => state == PipelineRunState.Unspecified ? "RUNTIME_STATE_UNSPECIFIED" : state.ToString().ToUpperInvariant();

    /// <summary>Parses "SUCCEEDED", "succeeded", "Succeeded"; null for an unknown word.</summary>
    public static PipelineRunState? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var word = text.Trim();
        if (word.Equals("RUNTIME_STATE_UNSPECIFIED", StringComparison.OrdinalIgnoreCase) || word.Equals("RUNTIMESTATE_UNSPECIFIED", StringComparison.OrdinalIgnoreCase))
            return PipelineRunState.Unspecified;
        if (word.Equals("cancelled", StringComparison.OrdinalIgnoreCase)) return PipelineRunState.Canceled;
        return Enum.TryParse<PipelineRunState>(word, ignoreCase: true, out var state) && Enum.IsDefined(state) ? state : null;
    }
}

/// <summary>One step of a run.</summary>
/// <param name="Name">Step name.</param>
/// <param name="State">Its state.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="FinishedAt">When it ended.</param>
/// <param name="Message">Why it failed, or a short note.</param>
/// <param name="Metrics">Metrics it reported.</param>
public sealed record PipelineStepRun(string Name, PipelineRunState State, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? Message, IReadOnlyDictionary<string, double> Metrics);

/// <summary>A pipeline run.</summary>
/// <param name="Id">Run id.</param>
/// <param name="Pipeline">Pipeline name.</param>
/// <param name="DisplayName">Run name.</param>
/// <param name="State">Run state.</param>
/// <param name="Parameters">Parameter values it ran with (defaults filled in), as JSON values.</param>
/// <param name="Steps">Steps with their progress, in pipeline order.</param>
/// <param name="Metrics">Metrics reported by its steps (a later step's value wins on a name clash).</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="FinishedAt">When it ended.</param>
/// <param name="Error">Why it failed.</param>
/// <param name="StartedBy">Who started it.</param>
public sealed record PipelineRun(
    string Id,
    string Pipeline,
    string? DisplayName,
    PipelineRunState State,
    IReadOnlyDictionary<string, JsonNode?> Parameters,
    IReadOnlyList<PipelineStepRun> Steps,
    IReadOnlyDictionary<string, double> Metrics,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    string? Error,
    string? StartedBy = null)
{
    /// <summary>Steps that ended successfully.</summary>
    public int CompletedSteps => Steps.Count(s => s.State is PipelineRunState.Succeeded or PipelineRunState.Skipped);

    /// <summary>True once the run has ended.</summary>
    public bool IsFinished => State.IsFinal();
}

/// <summary>Which runs to list.</summary>
/// <param name="Pipeline">Only runs of this pipeline.</param>
/// <param name="State">Only runs in this state.</param>
/// <param name="PageSize">Runs per page (1..100).</param>
/// <param name="PageToken">Token from the previous page's <see cref="PipelineRunPage.NextPageToken"/>.</param>
public sealed record PipelineRunQuery(string? Pipeline = null, PipelineRunState? State = null, int PageSize = 20, string? PageToken = null);

/// <summary>One page of runs.</summary>
public sealed record PipelineRunPage(IReadOnlyList<PipelineRun> Runs, string? NextPageToken, int? TotalSize);

/// <summary>Runs side by side: the union of their parameter and metric names.</summary>
/// <param name="Runs">The runs, in the order asked.</param>
/// <param name="ParameterNames">Every parameter name any of them has, sorted.</param>
/// <param name="MetricNames">Every metric name any of them reported, sorted.</param>
public sealed record PipelineRunComparison(IReadOnlyList<PipelineRun> Runs, IReadOnlyList<string> ParameterNames, IReadOnlyList<string> MetricNames)
{
    /// <summary>Reads two or more distinct runs with <paramref name="get"/> and compares them; fewer is a <see cref="PipelineException"/>.</summary>
    public static async Task<PipelineRunComparison> CollectAsync(IReadOnlyList<string> runIds, Func<string, CancellationToken, Task<PipelineRun>> get, CancellationToken cancellationToken = default)
    {
        var ids = runIds.Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count < 2) throw new PipelineException("Give at least two different run ids to compare.");
        var runs = new List<PipelineRun>();
        foreach (var id in ids) runs.Add(await get(id, cancellationToken));
        return Of(runs);
    }

    /// <summary>Builds the comparison of the given runs.</summary>
    public static PipelineRunComparison Of(IReadOnlyList<PipelineRun> runs) => new(
        runs,
        runs.SelectMany(r => r.Parameters.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
        runs.SelectMany(r => r.Metrics.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());
}

/// <summary>A pipeline failure with a message fit for the user (what failed, what to check).</summary>
public class PipelineException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>No pipeline by that name.</summary>
public sealed class PipelineNotFoundException(string pipeline, IReadOnlyList<string> available)
    : PipelineException($"There is no pipeline named '{pipeline}'." + (available.Count == 0 ? " No pipelines are defined." : $" Available: {string.Join(", ", available)}."))
{
    /// <summary>The name asked for.</summary>
    public string Pipeline { get; } = pipeline;

    /// <summary>Names that exist.</summary>
    public IReadOnlyList<string> Available { get; } = available;
}

/// <summary>No run with that id.</summary>
public sealed class PipelineRunNotFoundException(string runId)
    : PipelineException($"There is no pipeline run '{runId}'. List recent runs with \"list pipeline runs\" or `swarm pipelines runs`.")
{
    /// <summary>The id asked for.</summary>
    public string RunId { get; } = runId;
}

/// <summary>Parameters that do not fit the pipeline's definition; lists the valid ones.</summary>
public sealed class PipelineParameterException(string message, IReadOnlyList<PipelineParameter> valid) : PipelineException(message)
{
    /// <summary>The parameters the pipeline takes.</summary>
    public IReadOnlyList<PipelineParameter> Valid { get; } = valid;
}
