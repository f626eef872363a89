namespace SwarmAgentBot.Integrations;

/// <summary>
/// Where jobs run (section <c>Swarm:Jobs</c>): local child processes (default) or Kubernetes Jobs.
/// </summary>
public sealed class JobsOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Swarm:Jobs";

    /// <summary>"Local" (default) or "Kubernetes".</summary>
    public string Provider { get; set; } = "Local";

    /// <summary>How long a job may stay pending (not started, image not pulled, unschedulable) before it is failed. Default 5 minutes.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Local child processes.</summary>
    public LocalJobsOptions Local { get; set; } = new();

    /// <summary>Kubernetes Jobs.</summary>
    public KubernetesJobsOptions Kubernetes { get; set; } = new();

    /// <summary>True when <see cref="Provider"/> names Kubernetes.</summary>
    public bool UsesKubernetes => string.Equals(Provider, "Kubernetes", StringComparison.OrdinalIgnoreCase);

    /// <summary>Returns an error naming the setting, or null when valid.</summary>
    public string? Validate()
    {
        if (!UsesKubernetes && !string.Equals(Provider, "Local", StringComparison.OrdinalIgnoreCase))
            return $"Swarm:Jobs:Provider is '{Provider}'; use Local or Kubernetes.";
        if (StartTimeout <= TimeSpan.Zero) return "Swarm:Jobs:StartTimeout must be positive (e.g. 00:05:00).";
        return UsesKubernetes ? Kubernetes.Validate() : null;
    }
}

/// <summary>Local child processes (section <c>Swarm:Jobs:Local</c>).</summary>
public sealed class LocalJobsOptions
{
    /// <summary>
    /// Program that runs a job; the job's arguments follow <see cref="CommandArguments"/>. Default: this
    /// installation's own <c>swarm</c> (<c>dotnet swarm.dll</c>), so a job is <c>swarm worker ...</c>.
    /// </summary>
    public string? Command { get; set; }

    /// <summary>Arguments put before the job's own (e.g. the path of swarm.dll when Command is dotnet).</summary>
    public List<string> CommandArguments { get; set; } = [];
}

/// <summary>Kubernetes Jobs (section <c>Swarm:Jobs:Kubernetes</c>).</summary>
public sealed class KubernetesJobsOptions
{
    /// <summary>Namespace for Jobs. Default: the service account's namespace in-cluster, else the kubeconfig context's, else "default".</summary>
    public string? Namespace { get; set; }

    /// <summary>Kubeconfig file. Default: in-cluster credentials when running in a pod, else $KUBECONFIG, else ~/.kube/config.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>Kubeconfig context to use. Default: its current-context.</summary>
    public string? Context { get; set; }

    /// <summary>Container image of the worker (the bot's own image). Required.</summary>
    public string? Image { get; set; }

    /// <summary>Job template (YAML). Relative paths are looked up under the working directory, then beside the binary and its parents.</summary>
    public string JobTemplate { get; set; } = "manifests/jobs/worker-job.yaml";

    /// <summary>Command of the container; the job's arguments follow. Default: <c>dotnet /app/swarm.dll</c>, the image's swarm.</summary>
    // Null rather than a filled list: the configuration binder appends to a list that already has items.
    public List<string>? Command { get; set; }

    /// <summary><see cref="Command"/> or its default.</summary>
    public IReadOnlyList<string> EffectiveCommand => Command is { Count: > 0 } ? Command : ["dotnet", "/app/swarm.dll"];

    /// <summary>CPU request/limit and memory request/limit overriding the template's (e.g. "500m", "1Gi"); null keeps the template's.</summary>
    public string? CpuRequest { get; set; }

    /// <inheritdoc cref="CpuRequest"/>
    public string? CpuLimit { get; set; }

    /// <inheritdoc cref="CpuRequest"/>
    public string? MemoryRequest { get; set; }

    /// <inheritdoc cref="CpuRequest"/>
    public string? MemoryLimit { get; set; }

    /// <summary>How often job status is polled when a watch is not possible. Default: 2 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Use the API's watch stream to follow jobs (polling is the fallback). Default: true.</summary>
    public bool UseWatch { get; set; } = true;

    /// <summary>Retries of a request on 429, 5xx and connection errors. Default: 4.</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>First retry delay; doubles each time (with jitter). Default: 500 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest Retry-After honoured; longer ones are cut to this. Default: 30 s.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one request (not of a watch). Default: 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Returns an error naming the setting, or null when valid.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Image)) return "Swarm:Jobs:Kubernetes:Image must name the worker image (the bot's own image) when Swarm:Jobs:Provider is Kubernetes.";
        if (PollInterval <= TimeSpan.Zero) return "Swarm:Jobs:Kubernetes:PollInterval must be positive.";
        if (MaxRetries is < 0 or > 10) return "Swarm:Jobs:Kubernetes:MaxRetries must be between 0 and 10.";
        return null;
    }
}
