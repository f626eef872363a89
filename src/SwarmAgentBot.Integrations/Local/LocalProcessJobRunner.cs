using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Integrations.Local;

/// <summary>
/// Runs jobs as local child processes: <c>swarm &lt;arguments&gt;</c> (by default this installation's
/// own swarm.dll). Each job runs under a small <c>/bin/sh</c> wrapper that appends stdout and stderr to
/// DataDir/jobs/{id}.log and writes the exit code to DataDir/jobs/{id}.exit, so the outcome is known
/// even when the process that started it is gone. State lives in SQLite: after a restart a job whose
/// process vanished without an exit code is marked failed.
/// </summary>
public sealed partial class LocalProcessJobRunner : IJobRunner
{
    // The wrapper: leave the starter's stdin/stdout/stderr at once (a detached job must not hold a pipe
    // its starter's reader waits on), run the command with its output appended to the log, then record the exit code.
    private const string Wrapper = "exec >>\"$SWARM_JOB_LOG\" 2>&1 </dev/null; \"$@\"; code=$?; echo \"$code\" >\"$SWARM_JOB_EXIT.tmp\" && mv \"$SWARM_JOB_EXIT.tmp\" \"$SWARM_JOB_EXIT\"; exit \"$code\"";

    // In its own session a job does not get the terminal's Ctrl+C meant for the command that started it.
    private const string Setsid = "/usr/bin/setsid";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly LocalJobStore _store;
    private readonly LocalJobsOptions _options;
    private readonly SwarmOptions _swarm;
    private readonly TimeProvider _time;
    private readonly ILogger<LocalProcessJobRunner> _logger;
    private readonly ConcurrentDictionary<string, LiveJob> _live = new(StringComparer.Ordinal);

    /// <summary>Creates the runner.</summary>
    public LocalProcessJobRunner(LocalJobStore store, IOptions<JobsOptions> jobs, IOptions<SwarmOptions> swarm, TimeProvider time, ILogger<LocalProcessJobRunner> logger)
    {
        _store = store;
        _options = jobs.Value.Local;
        _swarm = swarm.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>The program and leading arguments a job runs with (see <see cref="LocalJobsOptions.Command"/>).</summary>
    public (string Program, IReadOnlyList<string> Prefix) ResolveCommand()
    {
        if (!string.IsNullOrWhiteSpace(_options.Command)) return (_options.Command, _options.CommandArguments);
        var dll = Path.Combine(AppContext.BaseDirectory, "swarm.dll");
        if (!File.Exists(dll))
            throw new InvalidOperationException($"Swarm:Jobs:Local:Command is not set and there is no swarm.dll beside this program ({AppContext.BaseDirectory}); set it to the swarm executable.");
        var host = Environment.ProcessPath;
        var dotnet = host is not null && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        return (dotnet, [dll, .. _options.CommandArguments]);
    }

    /// <inheritdoc />
    public async Task<JobStatus> StartAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        if (!JobIdPattern().IsMatch(spec.JobId))
            throw new ArgumentException($"Job id '{spec.JobId}' must be 1-63 lower-case letters, digits or '-', starting and ending with a letter or digit.", nameof(spec));
        if (spec.Timeout <= TimeSpan.Zero) throw new ArgumentException("A job needs a positive timeout.", nameof(spec));
        var (program, prefix) = ResolveCommand();

        var folder = Path.Combine(_swarm.DataDirFullPath, "jobs");
        Directory.CreateDirectory(folder);
        var logPath = Path.Combine(folder, spec.JobId + ".log");
        var exitPath = Path.Combine(folder, spec.JobId + ".exit");
        if (!await _store.TryInsertAsync(spec, logPath, exitPath, _time.GetUtcNow(), cancellationToken))
            throw new InvalidOperationException($"A job with id '{spec.JobId}' already exists; job ids are never reused.");
        File.Delete(exitPath);

        var detach = File.Exists(Setsid);
        var info = new ProcessStartInfo(detach ? Setsid : "/bin/sh") { UseShellExecute = false, WorkingDirectory = Environment.CurrentDirectory };
        foreach (var a in (string[])[.. detach ? ["/bin/sh"] : Array.Empty<string>(), "-c", Wrapper, "swarm-job", program, .. prefix, .. spec.Arguments]) info.ArgumentList.Add(a);
        info.Environment["SWARM_JOB_LOG"] = logPath;
        info.Environment["SWARM_JOB_EXIT"] = exitPath;
        info.Environment["SWARM_JOB_ID"] = spec.JobId;
        // The child must use the same data folder even when this process got it from an in-memory override.
        info.Environment["Swarm__DataDir"] = _swarm.DataDirFullPath;
        foreach (var (k, v) in spec.Environment ?? new Dictionary<string, string>()) info.Environment[k] = v;

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("the operating system did not start the process");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            var message = $"Could not start {program}: {ex.Message}. Check Swarm:Jobs:Local:Command.";
            await _store.TryFinishAsync(spec.JobId, JobState.Failed, message, null, _time.GetUtcNow(), CancellationToken.None);
            return (await _store.GetAsync(spec.JobId, CancellationToken.None))!.ToStatus();
        }

        var started = StartTimeOf(process);
        await _store.MarkRunningAsync(spec.JobId, process.Id, started, _time.GetUtcNow(), CancellationToken.None);
        var live = new LiveJob(process, new CancellationTokenSource());
        _live[spec.JobId] = live;
        live.Completion = Task.Run(() => MonitorAsync(spec, live));
        _logger.LogInformation("Started job {JobId} ({Kind}) as process {Pid}: {Program} {Arguments}", spec.JobId, spec.Kind, process.Id, program, string.Join(' ', spec.Arguments));
        return (await _store.GetAsync(spec.JobId, CancellationToken.None))!.ToStatus();
    }

    private async Task MonitorAsync(JobSpec spec, LiveJob live)
    {
        using var timeout = new CancellationTokenSource(spec.Timeout, _time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, live.Cancel.Token);
        try
        {
            await live.Process.WaitForExitAsync(either.Token);
            var code = live.Process.ExitCode;
            var state = code == 0 ? JobState.Succeeded : JobState.Failed;
            await _store.TryFinishAsync(spec.JobId, state, code == 0 ? null : $"exited with code {code}", code, _time.GetUtcNow(), CancellationToken.None);
            _logger.LogInformation("Job {JobId} ended with exit code {ExitCode}", spec.JobId, code);
        }
        catch (OperationCanceledException)
        {
            Kill(live.Process);
            if (timeout.IsCancellationRequested)
            {
                await _store.TryFinishAsync(spec.JobId, JobState.Failed, $"timed out after {Describe(spec.Timeout)} and was killed", null, _time.GetUtcNow(), CancellationToken.None);
                _logger.LogWarning("Job {JobId} timed out after {Timeout}", spec.JobId, spec.Timeout);
            }
            else
            {
                await _store.TryFinishAsync(spec.JobId, JobState.Canceled, "canceled", null, _time.GetUtcNow(), CancellationToken.None);
            }
            await live.Process.WaitForExitAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Monitoring job {JobId} failed", spec.JobId);
            await _store.TryFinishAsync(spec.JobId, JobState.Failed, "monitoring failed: " + ex.Message, null, _time.GetUtcNow(), CancellationToken.None);
        }
        finally
        {
            _live.TryRemove(spec.JobId, out _);
            live.Process.Dispose();
            live.Cancel.Dispose();
        }
    }

    /// <inheritdoc />
    public async Task<JobStatus> GetStatusAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var job = await _store.GetAsync(jobId, cancellationToken) ?? throw new KeyNotFoundException($"There is no job '{jobId}'.");
        if (job.State is JobState.Pending or JobState.Running && !_live.ContainsKey(jobId))
            job = await ReconcileAsync(job, cancellationToken);
        return job.ToStatus();
    }

    /// <summary>
    /// Settles a job no process here is watching (started by another process, or before a restart):
    /// its exit file tells the outcome; a live process is still running (killed when past its
    /// timeout); otherwise it vanished and is marked failed.
    /// </summary>
    private async Task<LocalJobRecord> ReconcileAsync(LocalJobRecord job, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (ReadExitCode(job.ExitPath) is { } code)
            await _store.TryFinishAsync(job.Id, code == 0 ? JobState.Succeeded : JobState.Failed, code == 0 ? null : $"exited with code {code}", code, now, cancellationToken);
        else if (FindProcess(job) is { } process)
        {
            using (process)
            {
                if (job.StartedAt is { } started && now - started > job.Timeout)
                {
                    Kill(process);
                    await _store.TryFinishAsync(job.Id, JobState.Failed, $"timed out after {Describe(job.Timeout)} and was killed", null, now, cancellationToken);
                }
                else return job;
            }
        }
        else if (job.State == JobState.Pending && now - job.CreatedAt < TimeSpan.FromSeconds(30))
            return job; // another process is starting it right now
        else
            await _store.TryFinishAsync(job.Id, JobState.Failed, "the job's process vanished without reporting an exit code (the host restarted or the process was killed)", null, now, cancellationToken);
        return (await _store.GetAsync(job.Id, cancellationToken))!;
    }

    /// <inheritdoc />
    public async Task<JobStatus> WaitAsync(string jobId, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_live.TryGetValue(jobId, out var live) && live.Completion is { } completion)
                await completion.WaitAsync(cancellationToken);
            var status = await GetStatusAsync(jobId, cancellationToken);
            if (status.IsFinished) return status;
            await Task.Delay(PollInterval, _time, cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task<string> GetLogsAsync(string jobId, int? tailLines = null, CancellationToken cancellationToken = default)
    {
        var job = await _store.GetAsync(jobId, cancellationToken) ?? throw new KeyNotFoundException($"There is no job '{jobId}'.");
        if (!File.Exists(job.LogPath)) return "";
        await using var stream = new FileStream(job.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return LogText.Tail(await reader.ReadToEndAsync(cancellationToken), tailLines);
    }

    /// <inheritdoc />
    public async Task CancelAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var job = await _store.GetAsync(jobId, cancellationToken) ?? throw new KeyNotFoundException($"There is no job '{jobId}'.");
        if (job.State is not (JobState.Pending or JobState.Running)) return;
        // Record the cancel first: the kill makes the process exit non-zero, and that must not read as a failure.
        await _store.TryFinishAsync(jobId, JobState.Canceled, "canceled", null, _time.GetUtcNow(), cancellationToken);
        if (_live.TryGetValue(jobId, out var live))
        {
            await live.Cancel.CancelAsync();
            if (live.Completion is { } completion) await completion.WaitAsync(cancellationToken);
        }
        else if (FindProcess(job) is { } process)
        {
            using (process) Kill(process);
        }
        _logger.LogInformation("Canceled job {JobId}", jobId);
    }

    private static int? ReadExitCode(string path)
    {
        try
        {
            return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) ? code : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The process's start time (told apart from a later process with the same pid); now, when it already exited and was reaped.</summary>
    private DateTimeOffset StartTimeOf(Process process)
    {
        try
        {
            return new DateTimeOffset(process.StartTime);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return _time.GetUtcNow();
        }
    }

    private static Process? FindProcess(LocalJobRecord job) => ProcessProbe.Find(job.ProcessId, job.ProcessStartedAt);

    private void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            _logger.LogDebug(ex, "Process {Pid} was already gone", process.Id);
        }
    }

    private static string Describe(TimeSpan t) => t.TotalSeconds < 120 ? $"{t.TotalSeconds:0.#} s" : $"{t.TotalMinutes:0.#} min";

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex JobIdPattern();

    private sealed class LiveJob(Process process, CancellationTokenSource cancel)
    {
        public Process Process { get; } = process;
        public CancellationTokenSource Cancel { get; } = cancel;
        public Task? Completion { get; set; }
    }
}
