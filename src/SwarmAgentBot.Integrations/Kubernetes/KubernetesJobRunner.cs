using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Integrations.Kubernetes;

/// <summary>
/// Runs jobs as Kubernetes batch/v1 Jobs built from the template in manifests/jobs/ (image, command,
/// resources, labels <c>swarm.dev/job-id</c> and <c>swarm.dev/kind</c>). Follows a Job with the API's
/// watch stream (polling as the fallback), reads the pod's log, deletes the Job on cancel, and fails
/// a Job still pending after Swarm:Jobs:StartTimeout with the reason the pod is waiting.
/// </summary>
public sealed partial class KubernetesJobRunner : IJobRunner
{
    /// <summary>Label carrying the job id.</summary>
    public const string JobIdLabel = "swarm.dev/job-id";

    /// <summary>Label carrying the job kind.</summary>
    public const string KindLabel = "swarm.dev/kind";

    private const string RequestIdAnnotation = "swarm.dev/request-id";

    private readonly KubernetesClient _client;
    private readonly KubernetesJobsOptions _options;
    private readonly TimeSpan _startTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger<KubernetesJobRunner> _logger;
    private readonly ConcurrentDictionary<string, JobStatus> _endedHere = new(StringComparer.Ordinal);

    /// <summary>Creates the runner; <paramref name="connection"/> supplies the default namespace.</summary>
    public KubernetesJobRunner(KubernetesClient client, KubernetesConnection connection, IOptions<JobsOptions> options, TimeProvider time, ILogger<KubernetesJobRunner> logger)
    {
        _client = client;
        _options = options.Value.Kubernetes;
        _startTimeout = options.Value.StartTimeout;
        _time = time;
        _logger = logger;
        Namespace = _options.Namespace ?? connection.Namespace ?? "default";
    }

    /// <summary>The namespace Jobs go to.</summary>
    public string Namespace { get; }

    /// <summary>The Job name for a job id: "swarm-{id}" when that fits in 63 characters, else the id.</summary>
    public static string NameOf(string jobId) => jobId.Length <= 57 ? "swarm-" + jobId : jobId;

    /// <summary>The Job object for a spec: the template with name, labels, image, command, arguments, environment, resources and deadline filled in.</summary>
    public JsonObject BuildJob(JobSpec spec, string requestId)
    {
        var path = ManifestLocator.Resolve(_options.JobTemplate);
        if (!File.Exists(path)) throw new KubernetesConfigException($"No job template at {path}. Set Swarm:Jobs:Kubernetes:JobTemplate (default manifests/jobs/worker-job.yaml).");
        var job = YamlJson.ParseObject(File.ReadAllText(path));
        var labels = new Dictionary<string, string>(StringComparer.Ordinal) { [JobIdLabel] = spec.JobId, [KindLabel] = LabelValue(spec.Kind) };
        foreach (var (k, v) in spec.Labels ?? new Dictionary<string, string>()) labels[k] = LabelValue(v);

        var metadata = Obj(job, "metadata");
        metadata["name"] = NameOf(spec.JobId);
        metadata.Remove("generateName");
        var jobLabels = Obj(metadata, "labels");
        foreach (var (k, v) in labels) jobLabels[k] = v;
        Obj(metadata, "annotations")[RequestIdAnnotation] = requestId;

        var jobSpec = Obj(job, "spec");
        // Kubernetes enforces the timeout itself: the Job fails with reason DeadlineExceeded.
        jobSpec["activeDeadlineSeconds"] = (long)Math.Ceiling(spec.Timeout.TotalSeconds);
        var template = Obj(jobSpec, "template");
        var podLabels = Obj(Obj(template, "metadata"), "labels");
        foreach (var (k, v) in labels) podLabels[k] = v;
        var containers = Obj(template, "spec")["containers"] as JsonArray;
        if (containers is not { Count: > 0 } || containers[0] is not JsonObject container)
            throw new KubernetesConfigException($"The job template {path} has no container under spec.template.spec.containers.");
        container["image"] = _options.Image;
        container["command"] = new JsonArray(_options.EffectiveCommand.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray());
        container["args"] = new JsonArray(spec.Arguments.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray());
        if (spec.Environment is { Count: > 0 } env)
        {
            var list = container["env"] as JsonArray ?? [];
            foreach (var (k, v) in env) list.Add(new JsonObject { ["name"] = k, ["value"] = v });
            container["env"] = list;
        }
        var resources = Obj(container, "resources");
        Set(Obj(resources, "requests"), "cpu", _options.CpuRequest);
        Set(Obj(resources, "requests"), "memory", _options.MemoryRequest);
        Set(Obj(resources, "limits"), "cpu", _options.CpuLimit);
        Set(Obj(resources, "limits"), "memory", _options.MemoryLimit);
        return job;
    }

    /// <inheritdoc />
    public async Task<JobStatus> StartAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        if (!JobIdPattern().IsMatch(spec.JobId))
            throw new ArgumentException($"Job id '{spec.JobId}' must be 1-63 lower-case letters, digits or '-', starting and ending with a letter or digit.", nameof(spec));
        var requestId = Guid.NewGuid().ToString("N");
        var job = BuildJob(spec, requestId);
        KubeJob created;
        try
        {
            created = await _client.CreateJobAsync(Namespace, job, cancellationToken);
        }
        catch (KubernetesApiException ex) when (ex.StatusCode == 409)
        {
            // A retried create whose first attempt went through finds its own Job: that is success.
            var existing = await _client.GetJobAsync(Namespace, NameOf(spec.JobId), cancellationToken);
            if (existing.Metadata.Annotations?.GetValueOrDefault(RequestIdAnnotation) != requestId) throw;
            created = existing;
        }
        _logger.LogInformation("Created Kubernetes Job {Namespace}/{Name} for job {JobId} ({Kind})", Namespace, created.Metadata.Name, spec.JobId, spec.Kind);
        return new JobStatus(spec.JobId, JobState.Pending, "created", StartedAt: created.Metadata.CreationTimestamp);
    }

    /// <inheritdoc />
    public async Task<JobStatus> GetStatusAsync(string jobId, CancellationToken cancellationToken = default) => (await ReadAsync(jobId, cancellationToken)).Status;

    private async Task<(JobStatus Status, string? ResourceVersion)> ReadAsync(string jobId, CancellationToken cancellationToken)
    {
        if (_endedHere.TryGetValue(jobId, out var ended)) return (ended, null);
        KubeJob job;
        try
        {
            job = await _client.GetJobAsync(Namespace, NameOf(jobId), cancellationToken);
        }
        catch (KubernetesApiException ex) when (ex.StatusCode == 404)
        {
            throw new KeyNotFoundException($"There is no job '{jobId}' (no Kubernetes Job {Namespace}/{NameOf(jobId)}).");
        }
        var status = job.Status ?? new KubeJobStatus();
        if (status.True("Complete") is { } complete)
            return (new JobStatus(jobId, JobState.Succeeded, null, 0, status.StartTime, status.CompletionTime ?? complete.LastTransitionTime), job.Metadata.ResourceVersion);

        var pods = await _client.ListPodsAsync(Namespace, "job-name=" + NameOf(jobId), cancellationToken);
        if (status.True("Failed") is { } failed)
        {
            var exit = pods.SelectMany(p => p.Status?.ContainerStatuses ?? []).Select(c => c.State?.Terminated).LastOrDefault(t => t is not null);
            var why = failed.Reason switch
            {
                "DeadlineExceeded" => "timed out (activeDeadlineSeconds) and was stopped by Kubernetes",
                "BackoffLimitExceeded" when exit is not null => $"the container exited with code {exit.ExitCode}{(exit.Reason is null or "Error" ? "" : $" ({exit.Reason})")}",
                _ => $"{failed.Reason}: {failed.Message}",
            };
            return (new JobStatus(jobId, JobState.Failed, why, exit?.ExitCode, status.StartTime, failed.LastTransitionTime), job.Metadata.ResourceVersion);
        }

        if (pods.Any(p => p.Status?.Phase is "Running" or "Succeeded" or "Failed"))
            return (new JobStatus(jobId, JobState.Running, null, null, status.StartTime), job.Metadata.ResourceVersion);

        var waiting = WhyPending(pods);
        var created = job.Metadata.CreationTimestamp ?? status.StartTime;
        if (created is { } c && _time.GetUtcNow() - c > _startTimeout)
        {
            var message = $"did not start within {_startTimeout.TotalSeconds:0} s (Swarm:Jobs:StartTimeout): {waiting}. Check the image (Swarm:Jobs:Kubernetes:Image), image pull secrets and cluster capacity";
            _logger.LogWarning("Job {JobId} {Message}; deleting it", jobId, message);
            var failedStatus = new JobStatus(jobId, JobState.Failed, message, null, null, _time.GetUtcNow());
            _endedHere[jobId] = failedStatus;
            await DeleteQuietlyAsync(jobId, cancellationToken);
            return (failedStatus, null);
        }
        return (new JobStatus(jobId, JobState.Pending, waiting), job.Metadata.ResourceVersion);
    }

    private static string WhyPending(IReadOnlyList<KubePod> pods)
    {
        if (pods.Count == 0) return "no pod was created yet";
        var pod = pods.OrderBy(p => p.Metadata.CreationTimestamp).Last();
        var waiting = pod.Status?.ContainerStatuses?.Select(s => s.State?.Waiting).FirstOrDefault(w => w is not null);
        if (waiting is not null) return $"pod {pod.Metadata.Name} is waiting: {waiting.Reason}{(waiting.Message is null ? "" : " — " + waiting.Message)}";
        var unscheduled = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False");
        if (unscheduled is not null) return $"pod {pod.Metadata.Name} is not scheduled: {unscheduled.Reason} — {unscheduled.Message}";
        return $"pod {pod.Metadata.Name} is {pod.Status?.Phase ?? "Pending"}";
    }

    /// <inheritdoc />
    public async Task<JobStatus> WaitAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var useWatch = _options.UseWatch;
        while (true)
        {
            var (status, resourceVersion) = await ReadAsync(jobId, cancellationToken);
            if (status.IsFinished) return status;
            // While pending, wake up in time to enforce the start timeout.
            var seconds = status.State == JobState.Pending ? (int)Math.Clamp(_startTimeout.TotalSeconds / 2, 1, 30) : 60;
            if (useWatch)
            {
                try
                {
                    await WatchUntilChangeAsync(jobId, resourceVersion, seconds, cancellationToken);
                    continue;
                }
                catch (KubernetesApiException ex) when (ex.StatusCode is 403 or 405 or 400)
                {
                    _logger.LogWarning("Watching Jobs is not possible ({Message}); polling every {Interval} instead", ex.Message, _options.PollInterval);
                    useWatch = false;
                }
            }
            await Task.Delay(status.State == JobState.Pending ? TimeSpan.FromSeconds(Math.Min(seconds, _options.PollInterval.TotalSeconds)) : _options.PollInterval, _time, cancellationToken);
        }
    }

    /// <summary>Returns when the Job changed, the watch timed out or the server said to re-list (ERROR, e.g. 410 Gone).</summary>
    private async Task WatchUntilChangeAsync(string jobId, string? resourceVersion, int timeoutSeconds, CancellationToken cancellationToken)
    {
        await foreach (var evt in _client.WatchJobsAsync(Namespace, "metadata.name=" + NameOf(jobId), resourceVersion, timeoutSeconds, cancellationToken))
        {
            switch (evt.Type)
            {
                case "BOOKMARK":
                    continue;
                case "ERROR":
                    var status = evt.Object.Deserialize<KubeStatus>(KubeJson.Options);
                    _logger.LogDebug("Watch of job {JobId} ended with {Code} {Reason}; re-reading", jobId, status?.Code, status?.Reason);
                    return;
                default:
                    var job = evt.Object.Deserialize<KubeJob>(KubeJson.Options);
                    if (job?.Metadata.Name == NameOf(jobId)) return;
                    continue;
            }
        }
    }

    /// <inheritdoc />
    public async Task<string> GetLogsAsync(string jobId, int? tailLines = null, CancellationToken cancellationToken = default)
    {
        var pods = await _client.ListPodsAsync(Namespace, "job-name=" + NameOf(jobId), cancellationToken);
        if (pods.Count == 0)
        {
            if (_endedHere.ContainsKey(jobId)) return "";
            await GetStatusAsync(jobId, cancellationToken); // throws KeyNotFoundException for an unknown job
            return "";
        }
        var pod = pods.OrderBy(p => p.Metadata.CreationTimestamp).Last();
        try
        {
            return await _client.ReadPodLogAsync(Namespace, pod.Metadata.Name!, tailLines, cancellationToken);
        }
        catch (KubernetesApiException ex) when (ex.StatusCode == 400)
        {
            // The container has not started yet: there is no log to read.
            return $"(no log yet: {WhyPending([pod])})\n";
        }
    }

    /// <inheritdoc />
    public async Task CancelAsync(string jobId, CancellationToken cancellationToken = default)
    {
        try
        {
            await _client.DeleteJobAsync(Namespace, NameOf(jobId), cancellationToken);
        }
        catch (KubernetesApiException ex) when (ex.StatusCode == 404)
        {
            if (_endedHere.ContainsKey(jobId)) return;
            throw new KeyNotFoundException($"There is no job '{jobId}' (no Kubernetes Job {Namespace}/{NameOf(jobId)}).");
        }
        _endedHere[jobId] = new JobStatus(jobId, JobState.Canceled, "canceled (Job deleted)", null, null, _time.GetUtcNow());
        _logger.LogInformation("Deleted Kubernetes Job {Namespace}/{Name}", Namespace, NameOf(jobId));
    }

    private async Task DeleteQuietlyAsync(string jobId, CancellationToken cancellationToken)
    {
        try { await _client.DeleteJobAsync(Namespace, NameOf(jobId), cancellationToken); }
        catch (KubernetesApiException ex) { _logger.LogWarning("Could not delete Job {JobId}: {Message}", jobId, ex.Message); }
    }

    private static JsonObject Obj(JsonObject parent, string name)
    {
        if (parent[name] is JsonObject existing) return existing;
        var created = new JsonObject();
        parent[name] = created;
        return created;
    }

    private static void Set(JsonObject target, string name, string? value)
    {
        if (value is not null) target[name] = value;
    }

    /// <summary>A label value Kubernetes accepts: at most 63 of [A-Za-z0-9._-], starting and ending alphanumeric.</summary>
    public static string LabelValue(string value)
    {
        var cleaned = LabelCleanup().Replace(value, "-");
        if (cleaned.Length > 63) cleaned = cleaned[..63];
        return cleaned.Trim('-', '.', '_');
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex JobIdPattern();

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex LabelCleanup();
}
