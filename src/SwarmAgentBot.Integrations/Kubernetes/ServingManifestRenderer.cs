using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Agents.Registry;

namespace SwarmAgentBot.Integrations.Kubernetes;

/// <summary>
/// With Swarm:Jobs:Provider=Kubernetes, a deployment renders the serving Deployment/Service for the
/// model version from manifests/serving/model-deployment.yaml into manifests/generated/, for
/// <c>kubectl apply -f</c>. The Kubernetes client here creates Jobs only; applying Deployments from
/// the bot would widen its RBAC role beyond jobs and pods, so the manifest is rendered and the user
/// is told where it is rather than pretending it was applied.
/// </summary>
public sealed class ServingManifestRenderer(IOptions<JobsOptions> jobs, IOptions<PipelinesOptions> pipelines, ILogger<ServingManifestRenderer> logger) : IServingDeployer
{
    /// <inheritdoc />
    public async Task<string> DeployAsync(string modelName, int version, string stage, CancellationToken cancellationToken = default)
    {
        var root = Path.GetFullPath(pipelines.Value.ManifestsPath);
        var template = Path.Combine(root, "serving", "model-deployment.yaml");
        if (!File.Exists(template))
            return $"No serving manifest was rendered: the template {template} is missing (Swarm:Pipelines:ManifestsPath).";
        var name = KubernetesName($"{modelName}-{stage}");
        var text = (await File.ReadAllTextAsync(template, cancellationToken))
            .Replace("{{name}}", name, StringComparison.Ordinal)
            .Replace("{{model}}", modelName, StringComparison.Ordinal)
            .Replace("{{version}}", version.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{{stage}}", stage, StringComparison.Ordinal)
            .Replace("{{image}}", jobs.Value.Kubernetes.Image ?? "swarm-agent-bot:latest", StringComparison.Ordinal);
        var outDir = Path.Combine(root, "generated");
        Directory.CreateDirectory(outDir);
        var path = Path.Combine(outDir, $"model-{name}.yaml");
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, text, cancellationToken);
        File.Move(temp, path, overwrite: true);
        logger.LogInformation("Rendered serving manifest for {Model} v{Version} ({Stage}) to {Path}", modelName, version, stage, path);
        return $"Kubernetes: the serving Deployment/Service for v{version} is rendered to `{path}`; apply it with `kubectl apply -f {path}` (the bot's role may create Jobs only).";
    }

    /// <summary>A DNS-1123 label: lower case, digits and '-', at most 50 characters.</summary>
    public static string KubernetesName(string raw)
    {
        var chars = raw.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        var name = new string(chars).Trim('-');
        while (name.Contains("--", StringComparison.Ordinal)) name = name.Replace("--", "-", StringComparison.Ordinal);
        return name.Length > 50 ? name[..50].TrimEnd('-') : name;
    }
}
