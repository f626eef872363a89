using System.Diagnostics;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Integrations.Local;

namespace SwarmAgentBot.Integrations.Tests.Pipelines;

public sealed class LocalPipelineEngineTests : IDisposable
{
    // A diamond: prepare → (left, right in parallel) → finish. Steps are shell scripts (the test host's job command is /bin/sh -c).
    private const string Diamond = """
        name: diamond
        description: A test pipeline shaped like a diamond.
        parameters:
          - {name: greeting, type: string}
          - {name: rounds, type: int, default: 2}
          - {name: rate, type: float, default: 0.5}
          - {name: fast, type: bool, default: false}
        steps:
          - name: finish
            depends_on: [left, right]
            command: ["echo finishing with {{steps.left.outputs.side}} and {{steps.right.outputs.side}}; echo '##metric score=0.93'"]
          - name: prepare
            command: ["echo '{{params.greeting}}' rounds={{params.rounds}} rate={{params.rate}} fast={{params.fast}} run={{run.id}}; echo '##metric rows=100'"]
          - name: left
            depends_on: [prepare]
            command: ["echo left; echo '##output side=L'; echo '##metric score=0.5'"]
          - name: right
            depends_on: [prepare]
            command: ["echo right; echo '##output side=R'"]
        """;

    private readonly PipelineTestHost _host = new();

    private IPipelineService Pipelines => _host.Get<IPipelineService>();

    private async Task<PipelineRun> FinishedAsync(string runId) =>
        await Eventually.GetAsync(() => Pipelines.GetRunAsync(runId), r => r.IsFinished, TimeSpan.FromSeconds(60), $"run {runId} to end");

    private static void AssertSucceeded(PipelineRun r) =>
        Assert.True(r.State == PipelineRunState.Succeeded, $"run {r.Id}: {r.State}: {r.Error} / {string.Join("; ", r.Steps.Select(s => $"{s.Name} {s.State} {s.Message}"))}");

    [Fact]
    public async Task ItRunsAMultiStepPipelineToTheEndWithParametersOutputsAndMetrics()
    {
        _host.WritePipeline("diamond", Diamond);

        var started = await Pipelines.StartRunAsync(new PipelineRunRequest("diamond", new JsonObject { ["greeting"] = "hi there", ["rounds"] = "3" }, StartedBy: "alice"));
        var run = await FinishedAsync(started.Id);

        AssertSucceeded(run);
        Assert.Equal(["prepare", "left", "right", "finish"], run.Steps.Select(s => s.Name));
        Assert.All(run.Steps, s => Assert.Equal(PipelineRunState.Succeeded, s.State));
        Assert.Equal(3L, run.Parameters["rounds"]!.GetValue<long>());
        Assert.Equal(0.93, run.Metrics["score"]); // the later step's value wins
        Assert.Equal(100, run.Metrics["rows"]);
        Assert.Equal("alice", run.StartedBy);
        Assert.Contains($"hi there rounds=3 rate=0.5 fast=false run={run.Id}", await Pipelines.GetLogsAsync(run.Id, "prepare"));
        Assert.Contains("finishing with L and R", await Pipelines.GetLogsAsync(run.Id, "finish"));
    }

    [Fact]
    public async Task AFailingStepFailsTheRunKeepsItsLogAndSkipsWhatDependsOnIt()
    {
        _host.WritePipeline("breaks", """
            name: breaks
            steps:
              - name: first
                command: ["echo fine"]
              - name: second
                depends_on: [first]
                command: ["echo 'column target is missing' >&2; exit 4"]
              - name: third
                depends_on: [second]
                command: ["echo never"]
            """);

        var run = await FinishedAsync((await Pipelines.StartRunAsync(new PipelineRunRequest("breaks", []))).Id);

        Assert.Equal(PipelineRunState.Failed, run.State);
        Assert.Contains("second", run.Error);
        Assert.Equal([PipelineRunState.Succeeded, PipelineRunState.Failed, PipelineRunState.Canceled], run.Steps.Select(s => s.State));
        Assert.Contains("code 4", run.Steps[1].Message);
        Assert.Contains("column target is missing", run.Steps[1].Message); // the step's last words
        Assert.Contains("column target is missing", run.Error);
        Assert.Contains("not run", run.Steps[2].Message);
        Assert.Contains("column target is missing", await Pipelines.GetLogsAsync(run.Id, "second", tailLines: 5));
        var all = await Pipelines.GetLogsAsync(run.Id);
        Assert.Contains("=== third (CANCELED) ===", all);
    }

    [Fact]
    public async Task CancelingARunStopsItsRunningProcesses()
    {
        var pidFile = Path.Combine(_host.Root, "step.pid");
        _host.WritePipeline("slow", $$"""
            name: slow
            steps:
              - name: wait
                command: ["sleep 60 & echo $! > {{pidFile}}; wait"]
              - name: after
                depends_on: [wait]
                command: ["echo after"]
            """);
        var run = await Pipelines.StartRunAsync(new PipelineRunRequest("slow", []));
        await Eventually.TrueAsync(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0, what: "the step's process to start");
        var pid = int.Parse(File.ReadAllText(pidFile).Trim());

        var canceled = await Pipelines.CancelRunAsync(run.Id);

        Assert.Equal(PipelineRunState.Canceled, canceled.State);
        Assert.All(canceled.Steps, s => Assert.Equal(PipelineRunState.Canceled, s.State));
        await Eventually.TrueAsync(() => !Alive(pid), what: "the step's process to be killed");
    }

    [Fact]
    public async Task ParametersAreValidatedBeforeAnythingRuns()
    {
        _host.WritePipeline("diamond", Diamond);

        var unknown = await Assert.ThrowsAsync<PipelineParameterException>(() =>
            Pipelines.StartRunAsync(new PipelineRunRequest("diamond", new JsonObject { ["greeting"] = "x", ["round"] = 3 })));
        Assert.Contains("unknown parameter 'round' (did you mean 'rounds'?)", unknown.Message);
        Assert.Contains("greeting (string, required), rounds (int, default 2), rate (float, default 0.5), fast (bool, default false)", unknown.Message);

        var wrongType = await Assert.ThrowsAsync<PipelineParameterException>(() =>
            Pipelines.StartRunAsync(new PipelineRunRequest("diamond", new JsonObject { ["greeting"] = "x", ["rounds"] = "many", ["fast"] = "perhaps" })));
        Assert.Contains("parameter 'rounds' must be an int, but got \"many\"", wrongType.Message);
        Assert.Contains("parameter 'fast' must be a bool", wrongType.Message);

        var missing = await Assert.ThrowsAsync<PipelineParameterException>(() => Pipelines.StartRunAsync(new PipelineRunRequest("diamond", [])));
        Assert.Contains("missing required parameter 'greeting'", missing.Message);

        Assert.Empty((await Pipelines.ListRunsAsync(new PipelineRunQuery())).Runs);
    }

    [Fact]
    public async Task AnUnknownPipelineOrRunIsReportedWithWhatExists()
    {
        _host.WritePipeline("diamond", Diamond);
        var pipeline = await Assert.ThrowsAsync<PipelineNotFoundException>(() => Pipelines.DescribePipelineAsync("dimond"));
        Assert.Contains("Available: diamond", pipeline.Message);
        await Assert.ThrowsAsync<PipelineRunNotFoundException>(() => Pipelines.GetRunAsync("999"));
        await Assert.ThrowsAsync<PipelineRunNotFoundException>(() => Pipelines.GetRunAsync("not-a-run"));
    }

    [Fact]
    public async Task ABrokenManifestIsSkippedInTheListButExplainedByName()
    {
        _host.WritePipeline("diamond", Diamond);
        _host.WritePipeline("loop", """
            name: loop
            steps:
              - {name: a, depends_on: [b], command: ["true"]}
              - {name: b, depends_on: [a], command: ["echo {{params.nope}}"]}
            """);

        Assert.Equal(["diamond"], (await Pipelines.ListPipelinesAsync()).Select(p => p.Name));
        var error = await Assert.ThrowsAsync<PipelineException>(() => Pipelines.DescribePipelineAsync("loop"));
        Assert.Contains("cycle", error.Message);
    }

    [Fact]
    public async Task DescribeListsParametersWithTypesAndDefaultsAndStepsInDependencyOrder()
    {
        _host.WritePipeline("diamond", Diamond);
        var definition = await Pipelines.DescribePipelineAsync("diamond");
        Assert.Equal("A test pipeline shaped like a diamond.", definition.Description);
        Assert.Equal([("greeting", PipelineParameterType.String, true), ("rounds", PipelineParameterType.Int, false), ("rate", PipelineParameterType.Float, false), ("fast", PipelineParameterType.Bool, false)],
            definition.Parameters.Select(p => (p.Name, p.Type, p.Required)));
        Assert.Equal(2L, definition.Parameters[1].Default!.GetValue<long>());
        Assert.Equal(["prepare", "left", "right", "finish"], definition.Steps.Select(s => s.Name));
    }

    [Fact]
    public async Task AFailedRunCanBeRetriedAndOnlyItsFailedStepsRunAgain()
    {
        var flag = Path.Combine(_host.Root, "ready.flag");
        var counter = Path.Combine(_host.Root, "first.count");
        _host.WritePipeline("flaky", $$"""
            name: flaky
            steps:
              - name: first
                command: ["echo x >> {{counter}}"]
              - name: second
                depends_on: [first]
                command: ["test -f {{flag}} || { echo 'not ready'; exit 1; }"]
            """);
        var failed = await FinishedAsync((await Pipelines.StartRunAsync(new PipelineRunRequest("flaky", []))).Id);
        Assert.Equal(PipelineRunState.Failed, failed.State);

        await File.WriteAllTextAsync(flag, "ok");
        await Pipelines.RetryRunAsync(failed.Id);
        var retried = await FinishedAsync(failed.Id);

        AssertSucceeded(retried);
        Assert.Single(await File.ReadAllLinesAsync(counter));
        await Assert.ThrowsAsync<PipelineException>(() => Pipelines.RetryRunAsync(failed.Id));
    }

    [Fact]
    public async Task ARunLeftBehindByAStoppedProcessIsResumed()
    {
        _host.WritePipeline("diamond", Diamond);
        var engine = _host.Get<LocalPipelineEngine>();
        var id = await engine.CreateRunAsync(new PipelineRunRequest("diamond", new JsonObject { ["greeting"] = "again" }));
        Assert.Equal(PipelineRunState.Pending, (await Pipelines.GetRunAsync(id)).State);

        Assert.Equal(1, await engine.ResumeOrphanedRunsAsync());

        AssertSucceeded(await FinishedAsync(id));
    }

    [Fact]
    public async Task RunsAreListedNewestFirstFilteredAndPaged()
    {
        _host.WritePipeline("diamond", Diamond);
        _host.WritePipeline("other", "name: other\nsteps:\n  - {name: only, command: [\"true\"]}\n");
        var a = await FinishedAsync((await Pipelines.StartRunAsync(new PipelineRunRequest("diamond", new JsonObject { ["greeting"] = "1" }))).Id);
        var b = await FinishedAsync((await Pipelines.StartRunAsync(new PipelineRunRequest("other", []))).Id);
        var c = await FinishedAsync((await Pipelines.StartRunAsync(new PipelineRunRequest("diamond", new JsonObject { ["greeting"] = "2" }))).Id);

        foreach (var r in new[] { a, b, c }) AssertSucceeded(r);
        var first = await Pipelines.ListRunsAsync(new PipelineRunQuery(PageSize: 2));
        Assert.Equal([c.Id, b.Id], first.Runs.Select(r => r.Id));
        Assert.Equal(3, first.TotalSize);
        var second = await Pipelines.ListRunsAsync(new PipelineRunQuery(PageSize: 2, PageToken: first.NextPageToken));
        Assert.Equal([a.Id], second.Runs.Select(r => r.Id));
        Assert.Null(second.NextPageToken);
        Assert.Equal([c.Id, a.Id], (await Pipelines.ListRunsAsync(new PipelineRunQuery("diamond"))).Runs.Select(r => r.Id));
        Assert.Equal(3, (await Pipelines.ListRunsAsync(new PipelineRunQuery(State: PipelineRunState.Succeeded))).Runs.Count);

        var comparison = await Pipelines.CompareRunsAsync([a.Id, c.Id]);
        Assert.Equal(["fast", "greeting", "rate", "rounds"], comparison.ParameterNames);
        Assert.Equal(["rows", "score"], comparison.MetricNames);
    }

    [Fact]
    public void ManifestsWithBadReferencesAreRejectedWithTheReason()
    {
        var unknownParam = Assert.Throws<PipelineException>(() => PipelineManifests.Parse("name: p\nsteps:\n  - {name: a, command: [\"echo {{params.x}}\"]}\n", "p.yaml"));
        Assert.Contains("{{params.x}}", unknownParam.Message);
        var notUpstream = Assert.Throws<PipelineException>(() => PipelineManifests.Parse(
            "name: p\nsteps:\n  - {name: a, command: [\"echo {{steps.b.outputs.o}}\"]}\n  - {name: b, command: [\"true\"]}\n", "p.yaml"));
        Assert.Contains("step 'a' uses {{steps.b.outputs.o}}", notUpstream.Message);
        var badDefault = Assert.Throws<PipelineException>(() => PipelineManifests.Parse(
            "name: p\nparameters:\n  - {name: n, type: int, default: lots}\nsteps:\n  - {name: a, command: [\"true\"]}\n", "p.yaml"));
        Assert.Contains("default 'lots' of parameter 'n' is not int", badDefault.Message);
        var badType = Assert.Throws<PipelineException>(() => PipelineManifests.Parse(
            "name: p\nparameters:\n  - {name: n, type: decimal}\nsteps:\n  - {name: a, command: [\"true\"]}\n", "p.yaml"));
        Assert.Contains("use string, int, float or bool", badType.Message);
    }

    private static bool Alive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ");
        }
        catch (Exception ex) when (ex is ArgumentException or IOException)
        {
            return false;
        }
    }

    public void Dispose() => _host.Dispose();
}
