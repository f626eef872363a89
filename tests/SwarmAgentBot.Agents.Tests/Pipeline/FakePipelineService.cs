using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Agents.Tests.Pipeline;

/// <summary>An in-memory pipeline backend: one pipeline, runs the test moves along. Validation is the real shared code.</summary>
public sealed class FakePipelineService : IPipelineService
{
    public static readonly PipelineDefinition Train = new("train-and-register", "train-and-register", "Trains and registers a model.", null,
    [
        new PipelineParameter("dataset", PipelineParameterType.String, null, "Training data"),
        new PipelineParameter("budget_s", PipelineParameterType.Int, JsonValue.Create(120L), "Time budget"),
        new PipelineParameter("min_score", PipelineParameterType.Float, JsonValue.Create(0.0), "Lowest score"),
    ],
    [new PipelineStepInfo("profile", "Profile", []), new PipelineStepInfo("train", "Train", ["profile"])]);

    public Dictionary<string, PipelineRun> Runs { get; } = new(StringComparer.Ordinal);

    public List<string> Canceled { get; } = [];

    public string Describe() => "the test backend";

    public Task<IReadOnlyList<PipelineSummary>> ListPipelinesAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<PipelineSummary>>([new PipelineSummary(Train.Id, Train.Name, Train.Description, [new PipelineVersionInfo("v1", "v1", null)])]);

    public Task<PipelineDefinition> DescribePipelineAsync(string pipeline, CancellationToken cancellationToken = default) =>
        pipeline == Train.Name ? Task.FromResult(Train) : throw new PipelineNotFoundException(pipeline, [Train.Name]);

    public async Task<PipelineRun> StartRunAsync(PipelineRunRequest request, CancellationToken cancellationToken = default)
    {
        var values = PipelineParameters.Resolve(await DescribePipelineAsync(request.Pipeline, cancellationToken), request.Parameters);
        var id = (Runs.Count + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Runs[id] = new PipelineRun(id, Train.Name, null, PipelineRunState.Running, values,
            [new PipelineStepRun("profile", PipelineRunState.Running, DateTimeOffset.UtcNow, null, null, new Dictionary<string, double>()), new PipelineStepRun("train", PipelineRunState.Pending, null, null, null, new Dictionary<string, double>())],
            new Dictionary<string, double>(), DateTimeOffset.UtcNow, null, null, request.StartedBy);
    }

    /// <summary>Ends a run with metrics, as a backend would.</summary>
    public void Finish(string id, PipelineRunState state, IReadOnlyDictionary<string, double> metrics, string? error = null)
    {
        var run = Runs[id];
        Runs[id] = run with
        {
            State = state, Metrics = metrics, Error = error, FinishedAt = run.CreatedAt.AddMinutes(3),
            Steps = run.Steps.Select(s => s with { State = state == PipelineRunState.Failed && s.Name == "train" ? PipelineRunState.Failed : PipelineRunState.Succeeded }).ToList(),
        };
    }

    public Task<PipelineRun> GetRunAsync(string runId, CancellationToken cancellationToken = default) =>
        Runs.TryGetValue(runId, out var run) ? Task.FromResult(run) : throw new PipelineRunNotFoundException(runId);

    public Task<PipelineRunPage> ListRunsAsync(PipelineRunQuery query, CancellationToken cancellationToken = default) =>
        Task.FromResult(new PipelineRunPage(Runs.Values.Where(r => query.State is null || r.State == query.State).Reverse().ToList(), null, Runs.Count));

    public async Task<string> GetLogsAsync(string runId, string? step = null, int? tailLines = null, CancellationToken cancellationToken = default)
    {
        await GetRunAsync(runId, cancellationToken);
        return step == "train" ? "loading data\nKeyError: column 'Churn' not found\n" : "all fine\n";
    }

    public async Task<PipelineRun> CancelRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        var run = await GetRunAsync(runId, cancellationToken);
        Canceled.Add(runId);
        return Runs[runId] = run with { State = PipelineRunState.Canceled };
    }

    public Task<PipelineRun> RetryRunAsync(string runId, CancellationToken cancellationToken = default) => GetRunAsync(runId, cancellationToken);

    public Task<PipelineRunComparison> CompareRunsAsync(IReadOnlyList<string> runIds, CancellationToken cancellationToken = default) =>
        PipelineRunComparison.CollectAsync(runIds, GetRunAsync, cancellationToken);
}
