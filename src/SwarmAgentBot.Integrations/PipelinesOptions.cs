namespace SwarmAgentBot.Integrations;

/// <summary>Where pipelines run (section <c>Swarm:Pipelines</c>): the local engine (default) or Kubeflow Pipelines.</summary>
public sealed class PipelinesOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Swarm:Pipelines";

    /// <summary>"Local" (default) or "Kubeflow".</summary>
    public string Provider { get; set; } = "Local";

    /// <summary>
    /// The manifests folder (pipelines/, jobs/, bot/, serving/). Relative paths are looked up under the
    /// working directory, then beside the binary and its parent folders. Default: "manifests".
    /// </summary>
    public string ManifestsPath { get; set; } = "manifests";

    /// <summary>Local engine settings.</summary>
    public LocalPipelinesOptions Local { get; set; } = new();

    /// <summary>Kubeflow Pipelines settings.</summary>
    public KubeflowOptions Kubeflow { get; set; } = new();

    /// <summary>True when <see cref="Provider"/> names Kubeflow.</summary>
    public bool UsesKubeflow => string.Equals(Provider, "Kubeflow", StringComparison.OrdinalIgnoreCase);

    /// <summary>The folder of pipeline YAML files.</summary>
    public string PipelinesFolder => Path.Combine(ManifestLocator.Resolve(ManifestsPath), "pipelines");

    /// <summary>Returns an error naming the setting, or null when valid.</summary>
    public string? Validate()
    {
        if (!UsesKubeflow && !string.Equals(Provider, "Local", StringComparison.OrdinalIgnoreCase))
            return $"Swarm:Pipelines:Provider is '{Provider}'; use Local or Kubeflow.";
        if (string.IsNullOrWhiteSpace(ManifestsPath)) return "Swarm:Pipelines:ManifestsPath must name the manifests folder.";
        if (Local.MaxParallelSteps is < 1 or > 64) return "Swarm:Pipelines:Local:MaxParallelSteps must be between 1 and 64.";
        if (Local.DefaultStepTimeout <= TimeSpan.Zero) return "Swarm:Pipelines:Local:DefaultStepTimeout must be positive.";
        if (!Local.DrivesInProcess && !string.Equals(Local.Drive, "Process", StringComparison.OrdinalIgnoreCase))
            return $"Swarm:Pipelines:Local:Drive is '{Local.Drive}'; use Process or InProcess.";
        return UsesKubeflow ? Kubeflow.Validate() : null;
    }
}

/// <summary>Local pipeline engine (section <c>Swarm:Pipelines:Local</c>).</summary>
public sealed class LocalPipelinesOptions
{
    /// <summary>Most steps of one run running at once. Default: 2.</summary>
    public int MaxParallelSteps { get; set; } = 2;

    /// <summary>Timeout of a step that declares none (timeout_s). Default: 1 hour.</summary>
    public TimeSpan DefaultStepTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Who drives a run: "Process" (default) — its own <c>swarm worker pipeline-run</c> process, so the run
    /// goes on after the command or host that started it exits; "InProcess" — the process that started it
    /// (runs are resumed when the host restarts).
    /// </summary>
    public string Drive { get; set; } = "Process";

    /// <summary>True when <see cref="Drive"/> is InProcess.</summary>
    public bool DrivesInProcess => string.Equals(Drive, "InProcess", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Kubeflow Pipelines v2beta1 REST API (section <c>Swarm:Pipelines:Kubeflow</c>).</summary>
public sealed class KubeflowOptions
{
    /// <summary>Base URL of the KFP API server, e.g. http://ml-pipeline.kubeflow:8888 (the /apis/v2beta1 paths are appended).</summary>
    public string? Endpoint { get; set; }

    /// <summary>Bearer token; or <see cref="TokenFile"/>. Neither: no Authorization header.</summary>
    public string? Token { get; set; }

    /// <summary>File holding the bearer token (re-read as it rotates), e.g. a projected service account token.</summary>
    public string? TokenFile { get; set; }

    /// <summary>Experiment new runs go to; empty: the server's default experiment.</summary>
    public string? ExperimentId { get; set; }

    /// <summary>Namespace (multi-user Kubeflow); empty: none sent.</summary>
    public string? Namespace { get; set; }

    /// <summary>Retries of a request on 429, 5xx and connection errors. Default: 3.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>First retry delay; doubles each time. Default: 500 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Timeout of one request. Default: 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Returns an error naming the setting, or null when valid.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Endpoint) || !Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return "Swarm:Pipelines:Kubeflow:Endpoint must be the http(s) URL of the Kubeflow Pipelines API when Swarm:Pipelines:Provider is Kubeflow.";
        if (MaxRetries is < 0 or > 10) return "Swarm:Pipelines:Kubeflow:MaxRetries must be between 0 and 10.";
        return null;
    }
}
