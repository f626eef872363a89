using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Integrations.Kubeflow;

namespace SwarmAgentBot.Integrations.Tests.Pipelines;

public sealed class KubeflowPipelineServiceTests : IAsyncDisposable
{
    private readonly KubeflowApiFixture _api = new();
    private readonly RecordingTimeProvider _time = new();

    private KubeflowPipelineService Service(Uri? endpoint = null, string token = KubeflowApiFixture.Token, int retries = 2)
    {
        var options = new PipelinesOptions
        {
            Provider = "Kubeflow",
            Kubeflow = new KubeflowOptions { Endpoint = (endpoint ?? _api.BaseAddress).ToString(), Token = token, ExperimentId = "exp-1", MaxRetries = retries, RetryDelay = TimeSpan.FromMilliseconds(10) },
        };
        var http = new HttpClient { BaseAddress = endpoint ?? _api.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        var client = new KubeflowClient(http, options.Kubeflow, NullLogger<KubeflowClient>.Instance, _time);
        return new KubeflowPipelineService(client, Options.Create(options), NullLogger<KubeflowPipelineService>.Instance);
    }

    [Fact]
    public async Task ItListsPipelinesWithTheirVersions()
    {
        var pipeline = Assert.Single(await Service().ListPipelinesAsync());
        Assert.Equal("train-and-register", pipeline.Name);
        Assert.Equal(KubeflowApiFixture.PipelineId, pipeline.Id);
        Assert.Equal("v3", Assert.Single(pipeline.Versions).Name);
        Assert.Contains(_api.Requests, r => r.StartsWith($"GET /apis/v2beta1/pipelines/{KubeflowApiFixture.PipelineId}/versions?page_size=10&sort_by=created_at%20desc", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DescribeReadsParameterTypesDefaultsAndStepsFromTheCompiledSpec()
    {
        var definition = await Service().DescribePipelineAsync("train-and-register");

        Assert.Equal(KubeflowApiFixture.VersionId, definition.VersionId);
        Assert.Equal([("dataset", PipelineParameterType.String, true), ("budget_s", PipelineParameterType.Int, false), ("min_score", PipelineParameterType.Float, false), ("register", PipelineParameterType.Bool, false)],
            definition.Parameters.Select(p => (p.Name, p.Type, p.Required)));
        Assert.Equal(120, definition.Parameters[1].Default!.GetValue<int>());
        Assert.Equal(["profile", "train"], definition.Steps.Select(s => s.Name));
        var filter = Assert.Single(_api.Filters);
        Assert.Equal("display_name", filter["predicates"]![0]!["key"]!.GetValue<string>());
        Assert.Equal("EQUALS", filter["predicates"]![0]!["operation"]!.GetValue<string>());
    }

    [Fact]
    public async Task ARunIsCreatedWithTheVersionReferenceAndTypedParameters()
    {
        var run = await Service().StartRunAsync(new PipelineRunRequest("train-and-register", new JsonObject { ["dataset"] = "churn.csv", ["budget_s"] = "300", ["register"] = "no" }, "nightly", "alice"));

        Assert.Equal(PipelineRunState.Pending, run.State);
        Assert.Equal("train-and-register", run.Pipeline);
        var body = Assert.Single(_api.CreatedRuns);
        Assert.Equal("nightly", body["display_name"]!.GetValue<string>());
        Assert.Equal(KubeflowApiFixture.PipelineId, body["pipeline_version_reference"]!["pipeline_id"]!.GetValue<string>());
        Assert.Equal(KubeflowApiFixture.VersionId, body["pipeline_version_reference"]!["pipeline_version_id"]!.GetValue<string>());
        Assert.Equal("exp-1", body["experiment_id"]!.GetValue<string>());
        var parameters = body["runtime_config"]!["parameters"]!;
        Assert.Equal(300, parameters["budget_s"]!.GetValue<long>());
        Assert.Equal(0.5, parameters["min_score"]!.GetValue<double>());
        Assert.False(parameters["register"]!.GetValue<bool>());
        Assert.Equal("churn.csv", parameters["dataset"]!.GetValue<string>());
    }

    [Fact]
    public async Task WrongParametersAreRejectedBeforeAnyRunIsCreated()
    {
        var error = await Assert.ThrowsAsync<PipelineParameterException>(() =>
            Service().StartRunAsync(new PipelineRunRequest("train-and-register", new JsonObject { ["dataset"] = "churn.csv", ["budget"] = 10, ["min_score"] = "high" })));
        Assert.Contains("unknown parameter 'budget' (did you mean 'budget_s'?)", error.Message);
        Assert.Contains("parameter 'min_score' must be a float", error.Message);
        Assert.Empty(_api.CreatedRuns);
    }

    [Fact]
    public async Task RunStatusComesFromTheStateAndTaskDetails()
    {
        var service = Service();
        var run = await service.StartRunAsync(new PipelineRunRequest("train-and-register", new JsonObject { ["dataset"] = "d.csv" }));
        _api.Advance(run.Id, "RUNNING", ("profile", "SUCCEEDED"), ("train", "RUNNING"));

        var running = await service.GetRunAsync(run.Id);

        Assert.Equal(PipelineRunState.Running, running.State);
        Assert.Equal([("profile", PipelineRunState.Succeeded), ("train", PipelineRunState.Running)], running.Steps.Select(s => (s.Name, s.State)));
        Assert.Null(running.Steps[1].FinishedAt); // KFP's epoch means "not yet"
        Assert.Equal(1, running.CompletedSteps);

        _api.Advance(run.Id, "FAILED", ("profile", "SUCCEEDED"), ("train", "FAILED"));
        var failed = await service.GetRunAsync(run.Id);
        Assert.Equal(PipelineRunState.Failed, failed.State);
        Assert.Equal("task train failed", failed.Error);
        Assert.Equal("exit status 1", failed.Steps[1].Message);
    }

    [Fact]
    public async Task RunsAreListedWithAJsonFilterAndPageTokens()
    {
        var service = Service();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add((await service.StartRunAsync(new PipelineRunRequest("train-and-register", new JsonObject { ["dataset"] = $"d{i}.csv" }))).Id);
        _api.Advance(ids[0], "SUCCEEDED");

        var first = await service.ListRunsAsync(new PipelineRunQuery("train-and-register", PageSize: 2));
        Assert.Equal([ids[2], ids[1]], first.Runs.Select(r => r.Id));
        Assert.Equal(3, first.TotalSize);
        var second = await service.ListRunsAsync(new PipelineRunQuery("train-and-register", PageSize: 2, PageToken: first.NextPageToken));
        Assert.Equal([ids[0]], second.Runs.Select(r => r.Id));
        Assert.Null(second.NextPageToken);

        var succeeded = await service.ListRunsAsync(new PipelineRunQuery(State: PipelineRunState.Succeeded));
        Assert.Equal([ids[0]], succeeded.Runs.Select(r => r.Id));
        var stateFilter = _api.Filters.Last();
        Assert.Equal("state", stateFilter["predicates"]![0]!["key"]!.GetValue<string>());
        Assert.Equal("SUCCEEDED", stateFilter["predicates"]![0]!["string_value"]!.GetValue<string>());
        Assert.Contains(_api.Filters, f => f["predicates"]!.AsArray().Any(p => p!["key"]!.GetValue<string>() == "pipeline_id" && p["string_value"]!.GetValue<string>() == KubeflowApiFixture.PipelineId));
    }

    [Fact]
    public async Task CancelTerminatesTheRunAndRetryRetriesIt()
    {
        var service = Service();
        var run = await service.StartRunAsync(new PipelineRunRequest("train-and-register", new JsonObject { ["dataset"] = "d.csv" }));

        var canceling = await service.CancelRunAsync(run.Id);
        Assert.Equal(PipelineRunState.Canceling, canceling.State);
        Assert.Contains(_api.Requests, r => r == $"POST /apis/v2beta1/runs/{run.Id}:terminate");

        var notYet = await Assert.ThrowsAsync<PipelineException>(() => service.RetryRunAsync(run.Id));
        Assert.Contains("only a FAILED or CANCELED run can be retried", notYet.Message);

        _api.Advance(run.Id, "CANCELED");
        Assert.Equal(PipelineRunState.Running, (await service.RetryRunAsync(run.Id)).State);
        Assert.Contains(_api.Requests, r => r == $"POST /apis/v2beta1/runs/{run.Id}:retry");
    }

    [Fact]
    public async Task UnknownPipelinesAndRunsAreReportedClearly()
    {
        var pipeline = await Assert.ThrowsAsync<PipelineNotFoundException>(() => Service().DescribePipelineAsync("nightly-etl"));
        Assert.Contains("Available: train-and-register", pipeline.Message);
        await Assert.ThrowsAsync<PipelineRunNotFoundException>(() => Service().GetRunAsync("00000000-0000-0000-0000-000000000000"));
    }

    [Fact]
    public async Task AuthAndPermissionErrorsSayWhatToCheck()
    {
        var unauthenticated = await Assert.ThrowsAsync<KubeflowApiException>(() => Service(token: "wrong").ListPipelinesAsync());
        Assert.Equal(401, unauthenticated.StatusCode);
        Assert.Contains("Swarm:Pipelines:Kubeflow:Token", unauthenticated.Message);

        _api.Inject("GET", "/apis/v2beta1/pipelines", 403);
        var forbidden = await Assert.ThrowsAsync<KubeflowApiException>(() => Service().ListPipelinesAsync());
        Assert.Contains("PermissionDenied", forbidden.Message);
        Assert.Contains("Swarm:Pipelines:Kubeflow:Namespace", forbidden.Message);
    }

    [Fact]
    public async Task BusyAndFailingServersAreRetried()
    {
        _api.Inject("GET", "/apis/v2beta1/pipelines", 429, retryAfter: "1");
        _api.Inject("GET", "/apis/v2beta1/pipelines", 503);
        Assert.Single(await Service().ListPipelinesAsync());
        Assert.Contains(TimeSpan.FromSeconds(1), _time.Delays);

        _api.Inject("GET", "/apis/v2beta1/pipelines", 500, times: 3);
        var error = await Assert.ThrowsAsync<KubeflowApiException>(() => Service().ListPipelinesAsync());
        Assert.Equal(500, error.StatusCode);
    }

    [Fact]
    public async Task AnUnreachableServerSaysWhichSettingToCheck()
    {
        using var refusing = LoopbackApi.RefusingPort(out var port);

        var error = await Assert.ThrowsAsync<KubeflowUnreachableException>(() => Service(new Uri($"http://127.0.0.1:{port}")).ListPipelinesAsync());
        Assert.Contains($"Cannot reach Kubeflow Pipelines at http://127.0.0.1:{port}/", error.Message);
        Assert.Contains("Swarm:Pipelines:Kubeflow:Endpoint", error.Message);
    }

    public async ValueTask DisposeAsync() => await _api.DisposeAsync();
}
