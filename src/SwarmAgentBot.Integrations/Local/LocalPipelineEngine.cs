using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Integrations.Local;

/// <summary>
/// Runs manifests/pipelines/*.yaml: each step is a job (<c>swarm &lt;command&gt;</c>) through
/// <see cref="IJobRunner"/>, steps start as soon as what they depend on succeeded (independent steps run
/// in parallel, up to Swarm:Pipelines:Local:MaxParallelSteps), run and step states are those of
/// Kubeflow Pipelines, and everything is persisted so a run survives a restart of the process
/// driving it (<see cref="ResumeOrphanedRunsAsync"/> picks it up again).
/// </summary>
public sealed partial class LocalPipelineEngine : IPipelineService, IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly LocalPipelineCatalog _catalog;
    private readonly PipelineRunStore _store;
    private readonly IJobRunner _jobs;
    private readonly LocalProcessJobRunner _processes;
    private readonly LocalPipelinesOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<LocalPipelineEngine> _logger;
    private readonly ConcurrentDictionary<string, Driver> _drivers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Creates the engine.</summary>
    public LocalPipelineEngine(LocalPipelineCatalog catalog, PipelineRunStore store, IJobRunner jobs, LocalProcessJobRunner processes,
        IOptions<PipelinesOptions> options, TimeProvider time, ILogger<LocalPipelineEngine> logger)
    {
        _catalog = catalog;
        _store = store;
        _jobs = jobs;
        _processes = processes;
        _options = options.Value.Local;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc />
    public string Describe() => $"the local pipeline engine ({_catalog.Folder})";

    /// <inheritdoc />
    public Task<IReadOnlyList<PipelineSummary>> ListPipelinesAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<PipelineSummary>>(_catalog.List()
            .Select(m => new PipelineSummary(m.Name, m.Name, m.Description, [new PipelineVersionInfo(m.Name, "local", null)])).ToList());

    /// <inheritdoc />
    public Task<PipelineDefinition> DescribePipelineAsync(string pipeline, CancellationToken cancellationToken = default) =>
        Task.FromResult(PipelineManifests.ToDefinition(_catalog.Get(pipeline)));

    /// <inheritdoc />
    public async Task<PipelineRun> StartRunAsync(PipelineRunRequest request, CancellationToken cancellationToken = default)
    {
        var id = await CreateRunAsync(request, cancellationToken);
        await LaunchAsync(id, cancellationToken);
        return await GetRunAsync(id, cancellationToken);
    }

    /// <summary>Validates the request and stores a PENDING run without starting it; returns its id.</summary>
    public async Task<string> CreateRunAsync(PipelineRunRequest request, CancellationToken cancellationToken = default)
    {
        var manifest = _catalog.Get(request.Pipeline);
        var values = PipelineParameters.Resolve(PipelineManifests.ToDefinition(manifest), request.Parameters);
        var now = _time.GetUtcNow();
        var id = await _store.CreateAsync(manifest, values, request.DisplayName ?? $"{manifest.Name} {now:yyyy-MM-dd HH:mm:ss}", request.StartedBy, now, cancellationToken);
        _logger.LogInformation("Created pipeline run {RunId} of {Pipeline} for {User}", id, manifest.Name, request.StartedBy);
        return id;
    }

    /// <summary>Drives a run to its end in this call (the <c>swarm worker pipeline-run</c> command); returns it as it ended.</summary>
    public async Task<PipelineRun> ExecuteAsync(string runId, CancellationToken cancellationToken = default)
    {
        var driver = new Driver();
        if (!_drivers.TryAdd(runId, driver)) throw new PipelineException($"Run {runId} is already being driven by this process.");
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
            await DriveAsync(runId, driver, linked.Token);
        }
        finally
        {
            _drivers.TryRemove(runId, out _);
        }
        return await GetRunAsync(runId, CancellationToken.None);
    }

    /// <summary>Starts driving every unfinished run whose driving process is gone (after a restart). Returns how many.</summary>
    public async Task<int> ResumeOrphanedRunsAsync(CancellationToken cancellationToken = default)
    {
        var resumed = 0;
        foreach (var id in await _store.ActiveRunIdsAsync(cancellationToken))
        {
            var run = await _store.GetAsync(id, cancellationToken);
            if (run is null || _drivers.ContainsKey(id) || ProcessProbe.IsAlive(run.OwnerPid, run.OwnerStartedAt)) continue;
            _logger.LogInformation("Resuming pipeline run {RunId} ({Pipeline}, {State})", id, run.Pipeline, run.State);
            await LaunchAsync(id, cancellationToken);
            resumed++;
        }
        return resumed;
    }

    /// <inheritdoc />
    public async Task<PipelineRun> GetRunAsync(string runId, CancellationToken cancellationToken = default) =>
        (await GetStoredAsync(runId, cancellationToken)).ToRun();

    /// <inheritdoc />
    public async Task<PipelineRunPage> ListRunsAsync(PipelineRunQuery query, CancellationToken cancellationToken = default)
    {
        var (runs, next, total) = await _store.ListAsync(query.Pipeline, query.State, Math.Clamp(query.PageSize, 1, 100), query.PageToken, cancellationToken);
        return new PipelineRunPage(runs.Select(r => r.ToRun()).ToList(), next, total);
    }

    /// <inheritdoc />
    public async Task<string> GetLogsAsync(string runId, string? step = null, int? tailLines = null, CancellationToken cancellationToken = default)
    {
        var run = await GetStoredAsync(runId, cancellationToken);
        var steps = run.Steps;
        if (step is not null)
        {
            var one = steps.FirstOrDefault(s => string.Equals(s.Name, step, StringComparison.OrdinalIgnoreCase))
                ?? throw new PipelineException($"Run {runId} ({run.Pipeline}) has no step '{step}'. Its steps: {string.Join(", ", steps.Select(s => s.Name))}.");
            steps = [one];
        }
        var parts = new List<string>();
        foreach (var s in steps)
        {
            var text = s.JobId is null ? $"(not started: {s.State.ToWire()}{(s.Message is null ? "" : " — " + s.Message)})\n" : await StepLogAsync(s.JobId, tailLines, cancellationToken);
            parts.Add(step is null ? $"=== {s.Name} ({s.State.ToWire()}) ===\n{text}" : text);
        }
        return string.Join("", parts);
    }

    /// <inheritdoc />
    public async Task<PipelineRun> CancelRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        var run = await GetStoredAsync(runId, cancellationToken);
        if (run.State.IsFinal()) return run.ToRun();
        await _store.SetRunStateAsync(runId, PipelineRunState.Canceling, null, null, cancellationToken: cancellationToken);
        foreach (var step in run.Steps.Where(s => s.State == PipelineRunState.Running && s.JobId is not null))
        {
            try { await _jobs.CancelAsync(step.JobId!, cancellationToken); }
            catch (KeyNotFoundException) { /* never started: nothing to stop */ }
        }
        if (_drivers.TryGetValue(runId, out var driver))
        {
            driver.Wake();
            try { await driver.Finished.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken); }
            catch (TimeoutException) { /* it settles on its own */ }
        }
        else if (!ProcessProbe.IsAlive(run.OwnerPid, run.OwnerStartedAt))
        {
            await SettleCanceledAsync(runId, cancellationToken);
        }
        else
        {
            // Its driver is another process, which sees CANCELING within a second: give it a moment to settle.
            var deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(5);
            while (_time.GetUtcNow() < deadline && !(await _store.GetAsync(runId, cancellationToken))!.State.IsFinal())
                await Task.Delay(PollInterval / 5, _time, cancellationToken);
        }
        _logger.LogInformation("Canceled pipeline run {RunId}", runId);
        return await GetRunAsync(runId, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<PipelineRun> RetryRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        var run = await GetStoredAsync(runId, cancellationToken);
        PipelineRunStates.EnsureRetryable(runId, run.State);
        await _store.ReopenAsync(runId, cancellationToken);
        await LaunchAsync(runId, cancellationToken);
        _logger.LogInformation("Retrying pipeline run {RunId}", runId);
        return await GetRunAsync(runId, cancellationToken);
    }

    /// <inheritdoc />
    public Task<PipelineRunComparison> CompareRunsAsync(IReadOnlyList<string> runIds, CancellationToken cancellationToken = default) =>
        PipelineRunComparison.CollectAsync(runIds, GetRunAsync, cancellationToken);

    private async Task<StoredPipelineRun> GetStoredAsync(string runId, CancellationToken cancellationToken) =>
        await _store.GetAsync(runId.Trim().TrimStart('#'), cancellationToken) ?? throw new PipelineRunNotFoundException(runId);

    private async Task<string> StepLogAsync(string jobId, int? tailLines, CancellationToken cancellationToken)
    {
        try
        {
            return await _jobs.GetLogsAsync(jobId, tailLines, cancellationToken);
        }
        catch (KeyNotFoundException)
        {
            return "(no log: the step's job was never started)\n";
        }
    }

    /// <summary>
    /// Starts driving a run: from its own <c>swarm worker pipeline-run</c> process (Swarm:Pipelines:Local:Drive
    /// = Process, the default; the run goes on whatever happens to the process that started it), or in this process.
    /// </summary>
    private async Task LaunchAsync(string runId, CancellationToken cancellationToken)
    {
        if (!_options.DrivesInProcess)
        {
            var jobId = $"pipeline-run-{runId}-{_time.GetUtcNow():yyyyMMddHHmmssfff}";
            var status = await _processes.StartAsync(new JobSpec(jobId, "pipeline-run", ["worker", "pipeline-run", "--run", runId], TimeSpan.FromDays(7)), cancellationToken);
            if (status.State == JobState.Failed)
                await _store.SetRunStateAsync(runId, PipelineRunState.Failed, "its driver process could not start: " + status.Message, _time.GetUtcNow(), cancellationToken: cancellationToken);
            return;
        }
        Launch(runId);
    }

    private void Launch(string runId)
    {
        var driver = new Driver();
        if (!_drivers.TryAdd(runId, driver)) return;
        _ = Task.Run(async () =>
        {
            try
            {
                await DriveAsync(runId, driver, _stopping.Token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogError(ex, "Driving pipeline run {RunId} failed", runId);
                await _store.SetRunStateAsync(runId, PipelineRunState.Failed, "the engine failed: " + ex.Message, _time.GetUtcNow(), cancellationToken: CancellationToken.None);
            }
            finally
            {
                _drivers.TryRemove(runId, out _);
            }
        });
    }

    /// <summary>The scheduling loop of one run: start ready steps, wait for any to end, settle the run.</summary>
    private async Task DriveAsync(string runId, Driver driver, CancellationToken stopping)
    {
        try
        {
            var run = await _store.GetAsync(runId, stopping) ?? throw new PipelineRunNotFoundException(runId);
            if (run.State.IsFinal()) return;
            var (pid, started) = ProcessProbe.Current();
            if (run.OwnerPid != pid && ProcessProbe.IsAlive(run.OwnerPid, run.OwnerStartedAt))
            {
                _logger.LogInformation("Pipeline run {RunId} is driven by process {Pid}; not driving it here", runId, run.OwnerPid);
                return;
            }
            if (!await _store.TryClaimAsync(runId, run.OwnerPid, pid, started, stopping)) return;
            if (run.State == PipelineRunState.Pending) await _store.SetRunStateAsync(runId, PipelineRunState.Running, null, null, cancellationToken: stopping);

            var waiting = new Dictionary<string, Task<JobStatus>>(StringComparer.Ordinal);
            while (true)
            {
                stopping.ThrowIfCancellationRequested();
                foreach (var (name, task) in waiting.Where(w => w.Value.IsCompleted).ToList())
                {
                    waiting.Remove(name);
                    await FinishStepAsync(runId, name, task, stopping);
                }

                run = (await _store.GetAsync(runId, stopping))!;
                if (run.State == PipelineRunState.Canceling)
                {
                    foreach (var step in run.Steps.Where(s => s.State == PipelineRunState.Running && s.JobId is not null))
                    {
                        try { await _jobs.CancelAsync(step.JobId!, stopping); }
                        catch (KeyNotFoundException) { /* never started */ }
                    }
                    await SettleCanceledAsync(runId, stopping);
                    return;
                }
                if (run.State.IsFinal()) return;

                var steps = run.Steps;
                var stopped = steps.FirstOrDefault(s => s.State is PipelineRunState.Failed or PipelineRunState.Canceled);
                var running = steps.Where(s => s.State == PipelineRunState.Running).ToList();
                foreach (var step in running.Where(s => !waiting.ContainsKey(s.Name)))
                    waiting[step.Name] = _jobs.WaitAsync(step.JobId!, stopping);

                if (stopped is null)
                {
                    var done = steps.Where(s => s.State is PipelineRunState.Succeeded or PipelineRunState.Skipped).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
                    var ready = run.Manifest.Steps
                        .Where(m => steps.First(s => s.Name == m.Name).State == PipelineRunState.Pending && m.DependsOn.All(done.Contains))
                        .Take(Math.Max(0, _options.MaxParallelSteps - running.Count)).ToList();
                    foreach (var manifestStep in ready)
                        await StartStepAsync(run, manifestStep, steps.First(s => s.Name == manifestStep.Name), waiting, stopping);
                    if (ready.Count > 0) continue;
                }

                if (waiting.Count == 0)
                {
                    await SettleAsync(run, stopped, stopping);
                    return;
                }
                await Task.WhenAny([.. waiting.Values, driver.WaitAsync(PollInterval, stopping)]);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // This process is stopping: the run and its jobs go on, and the next start resumes driving it.
            _logger.LogInformation("Stopped driving pipeline run {RunId}; it will be resumed", runId);
        }
        finally
        {
            driver.Finished.TrySetResult();
        }
    }

    private async Task StartStepAsync(StoredPipelineRun run, PipelineStepManifest step, StoredPipelineStep state, Dictionary<string, Task<JobStatus>> waiting, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        List<string> arguments;
        try
        {
            arguments = step.Command.Select(a => PipelineManifests.Substitute(a, key => Resolve(run, key))).ToList();
        }
        catch (PipelineException ex)
        {
            await _store.StepFinishedAsync(run.Id, step.Name, PipelineRunState.Failed, ex.Message, null, null, now, cancellationToken);
            return;
        }
        var jobId = JobIdFor(run.Id, step.Name, state.Attempt);
        var timeout = step.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(step.TimeoutSeconds) : _options.DefaultStepTimeout;
        var labels = new Dictionary<string, string> { ["swarm.dev/pipeline-run"] = run.Id, ["swarm.dev/pipeline"] = run.Pipeline, ["swarm.dev/step"] = step.Name };
        // Record the job id before starting it: after a crash in between, the resumed run finds it (or learns it never started).
        await _store.StepStartedAsync(run.Id, step.Name, jobId, now, cancellationToken);
        try
        {
            await _jobs.StartAsync(new JobSpec(jobId, "pipeline-step", arguments, timeout, labels), cancellationToken);
            waiting[step.Name] = _jobs.WaitAsync(jobId, cancellationToken);
            _logger.LogInformation("Run {RunId}: started step {Step} as job {JobId}", run.Id, step.Name, jobId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogWarning(ex, "Run {RunId}: step {Step} could not start", run.Id, step.Name);
            await _store.StepFinishedAsync(run.Id, step.Name, PipelineRunState.Failed, "could not start: " + ex.Message, null, null, _time.GetUtcNow(), cancellationToken);
        }
    }

    private static string Resolve(StoredPipelineRun run, string key)
    {
        var parts = key.Split('.');
        switch (parts)
        {
            case ["params", var name]:
                return run.Parameters.TryGetValue(name, out var value) ? PipelineParameters.Text(value) : "";
            case ["run", "id"]:
                return run.Id;
            case ["steps", var step, "outputs", var output]:
                var from = run.Steps.FirstOrDefault(s => s.Name == step);
                if (from is not null && from.Outputs.TryGetValue(output, out var text)) return text;
                throw new PipelineException($"step '{step}' did not report the output '{output}' this step needs (a line \"##output {output}=...\" on its standard output)");
            default:
                throw new PipelineException($"unknown placeholder {{{{{key}}}}}");
        }
    }

    private async Task FinishStepAsync(string runId, string step, Task<JobStatus> wait, CancellationToken stopping)
    {
        var run = (await _store.GetAsync(runId, stopping))!;
        var jobId = run.Steps.First(s => s.Name == step).JobId!;
        JobStatus status;
        try
        {
            status = await wait;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (KeyNotFoundException)
        {
            status = new JobStatus(jobId, JobState.Failed, "its job was never started");
        }
        catch (Exception ex)
        {
            status = new JobStatus(jobId, JobState.Failed, "following its job failed: " + ex.Message);
        }
        var log = await StepLogAsync(jobId, null, stopping);
        var (metrics, outputs) = StepReport.Parse(log);
        var state = status.State switch
        {
            JobState.Succeeded => PipelineRunState.Succeeded,
            JobState.Canceled => PipelineRunState.Canceled,
            _ => PipelineRunState.Failed,
        };
        var message = state == PipelineRunState.Failed && StepReport.LastWords(log) is { } last ? $"{status.Message} — {last}" : status.Message;
        await _store.StepFinishedAsync(runId, step, state, message, metrics, outputs, status.FinishedAt ?? _time.GetUtcNow(), stopping);
        _logger.LogInformation("Run {RunId}: step {Step} ended {State}", runId, step, state);
    }

    private async Task SettleAsync(StoredPipelineRun run, StoredPipelineStep? stopped, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (stopped is not null)
        {
            var verb = stopped.State == PipelineRunState.Canceled ? "was canceled" : "failed";
            await _store.CloseOpenStepsAsync(run.Id, PipelineRunState.Canceled, $"not run: step '{stopped.Name}' {verb}", now, cancellationToken);
            await _store.SetRunStateAsync(run.Id, PipelineRunState.Failed, $"step '{stopped.Name}' {verb}{(stopped.Message is null ? "" : ": " + stopped.Message)}", now, cancellationToken: cancellationToken);
            _logger.LogWarning("Pipeline run {RunId} failed at step {Step}", run.Id, stopped.Name);
        }
        else if (run.Steps.All(s => s.State is PipelineRunState.Succeeded or PipelineRunState.Skipped))
        {
            await _store.SetRunStateAsync(run.Id, PipelineRunState.Succeeded, null, now, cancellationToken: cancellationToken);
            _logger.LogInformation("Pipeline run {RunId} succeeded", run.Id);
        }
        else
        {
            await _store.CloseOpenStepsAsync(run.Id, PipelineRunState.Canceled, "not run: nothing it depends on can finish", now, cancellationToken);
            await _store.SetRunStateAsync(run.Id, PipelineRunState.Failed, "some steps could not be scheduled", now, cancellationToken: cancellationToken);
        }
    }

    private async Task SettleCanceledAsync(string runId, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await _store.CloseOpenStepsAsync(runId, PipelineRunState.Canceled, "canceled", now, cancellationToken);
        await _store.SetRunStateAsync(runId, PipelineRunState.Canceled, null, now, cancellationToken: cancellationToken);
    }

    /// <summary>A job id for a step: "p12-train-0" (lower-case, at most 63 characters).</summary>
    public static string JobIdFor(string runId, string step, int attempt)
    {
        var id = JobIdCleanup().Replace($"p{runId}-{step}-{attempt}".ToLowerInvariant(), "-");
        return id.Length <= 63 ? id : id[..63].TrimEnd('-');
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Registered under two service types, so this may run twice; the drivers stop, the jobs go on.
        if (!_stopping.IsCancellationRequested) _stopping.Cancel();
    }

    [GeneratedRegex("[^a-z0-9-]")]
    private static partial Regex JobIdCleanup();

    /// <summary>One run being driven in this process: a wake-up signal (cancel) and its end.</summary>
    private sealed class Driver
    {
        private readonly SemaphoreSlim _signal = new(0);

        public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Wake() => _signal.Release();

        public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
    }
}
