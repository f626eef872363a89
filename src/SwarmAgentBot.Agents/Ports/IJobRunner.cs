namespace SwarmAgentBot.Agents.Ports;

/// <summary>
/// A unit of heavy work: the same <c>swarm worker ...</c> command whether it runs as a local
/// child process or a Kubernetes Job.
/// </summary>
/// <param name="JobId">Unique id (also the Kubernetes Job name suffix); lower-case letters, digits and '-'.</param>
/// <param name="Kind">What it is ("train", "drift", "pipeline-step"), for labels and logs.</param>
/// <param name="Arguments">Arguments after the <c>swarm</c> executable, e.g. ["worker","train","--id","r12"].</param>
/// <param name="Timeout">Hard limit; the job is killed and marked failed after it.</param>
/// <param name="Labels">Extra labels (run id, pipeline), copied onto the Kubernetes Job.</param>
/// <param name="Environment">Extra environment variables for the process or container.</param>
public sealed record JobSpec(
    string JobId,
    string Kind,
    IReadOnlyList<string> Arguments,
    TimeSpan Timeout,
    IReadOnlyDictionary<string, string>? Labels = null,
    IReadOnlyDictionary<string, string>? Environment = null);

/// <summary>Where a job is in its life.</summary>
public enum JobState { Pending, Running, Succeeded, Failed, Canceled }

/// <summary>A job's state as last seen.</summary>
/// <param name="JobId">The job.</param>
/// <param name="State">Its state.</param>
/// <param name="Message">Why it failed, or a short progress note.</param>
/// <param name="ExitCode">Process or container exit code when finished.</param>
/// <param name="StartedAt">When it started running.</param>
/// <param name="FinishedAt">When it ended.</param>
public sealed record JobStatus(string JobId, JobState State, string? Message = null, int? ExitCode = null, DateTimeOffset? StartedAt = null, DateTimeOffset? FinishedAt = null)
{
    /// <summary>True once the job has ended, whatever the outcome.</summary>
    public bool IsFinished => State is JobState.Succeeded or JobState.Failed or JobState.Canceled;
}

/// <summary>Runs jobs: local child processes (default) or Kubernetes Jobs.</summary>
public interface IJobRunner
{
    /// <summary>Starts a job and returns at once.</summary>
    Task<JobStatus> StartAsync(JobSpec spec, CancellationToken cancellationToken = default);

    /// <summary>Current status. Throws <see cref="KeyNotFoundException"/> for an unknown job.</summary>
    Task<JobStatus> GetStatusAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Waits until the job ends (or the token is cancelled) and returns its final status.</summary>
    Task<JobStatus> WaitAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>The job's output so far (stdout and stderr), optionally only the last lines.</summary>
    Task<string> GetLogsAsync(string jobId, int? tailLines = null, CancellationToken cancellationToken = default);

    /// <summary>Stops the job (kills the process tree / deletes the Job and its pods).</summary>
    Task CancelAsync(string jobId, CancellationToken cancellationToken = default);
}
