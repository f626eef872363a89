using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Ml.AutoMl;

namespace SwarmAgentBot.Agents.Agents.Registry;

/// <summary>
/// Serving one pinned model version (section <c>Swarm:Serving</c>): what a serving pod applied by
/// <c>KubernetesServingDeployer</c> is told through its environment. Empty <see cref="Model"/>: off.
/// </summary>
public sealed class PinnedServingOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Swarm:Serving";

    /// <summary>Registered model name to serve; null or empty: no pinned model.</summary>
    public string? Model { get; set; }

    /// <summary>Its version number in the bot's registry.</summary>
    public int Version { get; set; }

    /// <summary>The stage (alias) it is served under.</summary>
    public string Stage { get; set; } = "production";

    /// <summary>Object store key of the version's bundle (runs/N/bundle.zip).</summary>
    public string? ArtifactKey { get; set; }

    /// <summary>How often the pod ships the predictions it logged to the object store for the bot (seconds); it also ships on shutdown.</summary>
    public int ShipLogsEverySeconds { get; set; } = 30;

    /// <summary>The id the pod's log segments are shipped under; empty: the host name (a Kubernetes pod's name).</summary>
    public string? PodId { get; set; }

    /// <summary>The id segments are shipped under: <see cref="PodId"/>, else the host name, with characters unfit for a key replaced.</summary>
    public string EffectivePodId()
    {
        var id = string.IsNullOrWhiteSpace(PodId) ? Environment.GetEnvironmentVariable("HOSTNAME") ?? Environment.MachineName : PodId;
        var safe = new string(id.Trim().Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray()).Trim('.');
        return safe.Length == 0 ? "host" : safe;
    }

    /// <summary>True when a model is pinned.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Model);

    /// <summary>Returns an error naming the setting, or null when valid.</summary>
    public string? Validate()
    {
        if (!Enabled) return null;
        if (Version < 1) return "Swarm:Serving:Version must be the version number (1 or more) when Swarm:Serving:Model is set.";
        if (string.IsNullOrWhiteSpace(ArtifactKey)) return "Swarm:Serving:ArtifactKey must name the version's bundle in the object store when Swarm:Serving:Model is set.";
        if (string.IsNullOrWhiteSpace(Stage)) return "Swarm:Serving:Stage must name the stage the model is served under.";
        if (ShipLogsEverySeconds is < 1 or > 86_400) return "Swarm:Serving:ShipLogsEverySeconds must be between 1 and 86400 (seconds between shipments of the prediction log).";
        if (PodId is { Length: > 0 } pod && (pod.Length > 100 || !pod.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            return "Swarm:Serving:PodId may only hold letters, digits, '-', '_' and '.' (at most 100).";
        return null;
    }
}

/// <summary>
/// At start, makes the pinned version servable: reads its bundle from the shared object store, records it in
/// this host's registry under the bot's version number, loads it, and points the stage at it — so
/// <c>POST /models/{name}@{stage}/predict</c> answers from the first request. A bundle that cannot be read
/// stops the start with a message naming the key (the pod never turns ready, Kubernetes shows why).
/// </summary>
public sealed class PinnedModelLoader(
    IOptions<PinnedServingOptions> options,
    ModelRegistry registry,
    ModelServer server,
    IObjectStore store,
    ILogger<PinnedModelLoader> logger) : IHostedService
{
    /// <summary>Who the pinned version and its alias are recorded as set by.</summary>
    public const string Actor = "serving-pod";

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.Enabled) return;
        ModelBundle bundle;
        try
        {
            bundle = await server.ReadBundleAsync(o.ArtifactKey!, cancellationToken);
        }
        catch (Exception ex) when (ex is ObjectStoreException or InvalidDataException or System.Text.Json.JsonException or IOException)
        {
            throw new InvalidOperationException($"Swarm:Serving: the bundle of {o.Model} v{o.Version} could not be read from {store.Describe()} at '{o.ArtifactKey}': {ex.Message}", ex);
        }
        var version = await registry.ImportAsync(new NewModelVersion(o.Model!, null, null, null, bundle.DatasetSha256, bundle.Task.ToName(), bundle.Metric,
            bundle.TestMetrics, o.ArtifactKey!, ModelServer.ModelHash(bundle), Actor), o.Version, cancellationToken);
        server.UseLoaded(version, bundle);
        if ((await registry.GetAliasAsync(o.Model!, o.Stage, cancellationToken))?.Version != o.Version)
            await registry.SetAliasAsync(o.Model!, o.Stage, o.Version, Actor, cancellationToken: cancellationToken);
        logger.LogInformation("Serving pinned model {Model} v{Version} as {Stage} from {Key}", o.Model, o.Version, o.Stage, o.ArtifactKey);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
