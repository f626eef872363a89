using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Agents.Registry;

namespace SwarmAgentBot.Integrations.Kubernetes;

/// <summary>
/// With Swarm:Jobs:Provider=Kubernetes, a deployment (or rollback) also applies the serving Deployment and
/// Service for the model's stage, built from manifests/serving/model-deployment.yaml, by server-side apply
/// in the bot's namespace. One Deployment per model and stage: moving the stage to another version
/// updates it in place, so Kubernetes rolls the pods over without dropping the Service.
/// </summary>
public sealed class KubernetesServingDeployer(
    KubernetesClient client,
    KubernetesConnection connection,
    ModelRegistry registry,
    IOptions<JobsOptions> jobs,
    IOptions<PipelinesOptions> pipelines,
    ILogger<KubernetesServingDeployer> logger) : IServingDeployer
{
    /// <summary>The field manager named in every apply (who owns the fields, in <c>kubectl get -o yaml --show-managed-fields</c>).</summary>
    public const string FieldManager = "swarm-bot";

    /// <inheritdoc />
    public async Task<string> DeployAsync(string modelName, int version, string stage, CancellationToken cancellationToken = default)
    {
        var ns = jobs.Value.Kubernetes.Namespace ?? connection.Namespace ?? "default";
        IReadOnlyList<JsonObject> objects;
        try
        {
            var v = await registry.GetVersionAsync(modelName, version, cancellationToken)
                ?? throw new InvalidDataException($"{modelName} v{version} is not registered");
            objects = await RenderAsync(modelName, version, stage, v.ArtifactKey, ns, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or YamlDotNet.Core.YamlException)
        {
            logger.LogWarning(ex, "Serving manifest for {Model} v{Version} ({Stage}) could not be built", modelName, version, stage);
            return $"Kubernetes: nothing was applied: {ex.Message}.";
        }

        var applied = new List<string>();
        try
        {
            foreach (var obj in objects)
            {
                var stored = await client.ApplyAsync(CollectionPath(obj, ns), obj, FieldManager, cancellationToken);
                var generation = stored["metadata"]?["generation"]?.ToString();
                applied.Add($"{obj["kind"]} {obj["metadata"]!["name"]}" + (generation is null ? "" : $" (generation {generation})"));
            }
        }
        catch (Exception ex) when (ex is KubernetesApiException or KubernetesUnreachableException)
        {
            logger.LogWarning(ex, "Applying the serving objects for {Model} v{Version} ({Stage}) failed after {Applied}", modelName, version, stage, applied.Count);
            return $"Kubernetes: applying the serving objects in namespace {ns} failed: {ex.Message}"
                + (applied.Count > 0 ? $" (applied before the failure: {string.Join(", ", applied)})." : " Nothing was applied.")
                + " The host's own endpoint already serves the new version; approve the deployment again to retry the cluster.";
        }
        logger.LogInformation("Applied serving objects for {Model} v{Version} ({Stage}) in {Namespace}: {Objects}", modelName, version, stage, ns, applied);
        return $"Kubernetes: applied {string.Join(" and ", applied)} in namespace {ns}; its pods roll over to v{version}.";
    }

    /// <summary>
    /// The objects of the serving template for one model stage: placeholders filled, names made DNS-safe,
    /// every object put in <paramref name="ns"/>. Throws <see cref="InvalidDataException"/> for a broken template.
    /// </summary>
    public async Task<IReadOnlyList<JsonObject>> RenderAsync(string modelName, int version, string stage, string artifactKey, string ns, CancellationToken cancellationToken = default)
    {
        var template = Path.Combine(ManifestLocator.Resolve(pipelines.Value.ManifestsPath), "serving", "model-deployment.yaml");
        if (!File.Exists(template))
            throw new InvalidDataException($"the serving template {template} is missing (Swarm:Pipelines:ManifestsPath)");
        var text = (await File.ReadAllTextAsync(template, cancellationToken))
            .Replace("{{name}}", KubernetesName($"{modelName}-{stage}"), StringComparison.Ordinal)
            .Replace("{{model}}", modelName, StringComparison.Ordinal)
            .Replace("{{version}}", version.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{{stage}}", stage, StringComparison.Ordinal)
            .Replace("{{artifact}}", artifactKey, StringComparison.Ordinal)
            .Replace("{{image}}", jobs.Value.Kubernetes.Image ?? "swarm-agent-bot:latest", StringComparison.Ordinal);
        var objects = new List<JsonObject>();
        foreach (var node in YamlJson.ParseAll(text))
        {
            if (node is not JsonObject obj || obj["kind"] is null || obj["apiVersion"] is null || obj["metadata"]?["name"] is null)
                throw new InvalidDataException($"every document of {template} needs apiVersion, kind and metadata.name");
            obj["metadata"]!["namespace"] = ns;
            _ = CollectionPath(obj, ns); // an unsupported kind fails here, before anything is applied
            objects.Add(obj);
        }
        if (objects.Count == 0) throw new InvalidDataException($"the serving template {template} holds no objects");
        return objects;
    }

    /// <summary>A DNS-1123 label: lower case, digits and '-', at most 50 characters (room for the "model-" prefix).</summary>
    public static string KubernetesName(string raw)
    {
        var chars = raw.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        var name = new string(chars).Trim('-');
        while (name.Contains("--", StringComparison.Ordinal)) name = name.Replace("--", "-", StringComparison.Ordinal);
        return name.Length > 50 ? name[..50].TrimEnd('-') : name;
    }

    private static string CollectionPath(JsonObject obj, string ns)
    {
        var apiVersion = obj["apiVersion"]!.GetValue<string>();
        var resource = obj["kind"]!.GetValue<string>() switch
        {
            "Deployment" => "deployments",
            "Service" => "services",
            "ConfigMap" => "configmaps",
            var other => throw new InvalidDataException($"the serving template may hold Deployment, Service and ConfigMap objects, not {other}"),
        };
        var group = apiVersion.Contains('/', StringComparison.Ordinal) ? "/apis/" + apiVersion : "/api/" + apiVersion;
        return $"{group}/namespaces/{Uri.EscapeDataString(ns)}/{resource}";
    }
}
