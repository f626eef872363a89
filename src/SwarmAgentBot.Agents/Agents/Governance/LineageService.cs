using System.Globalization;
using System.Text;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Agents.Training;

namespace SwarmAgentBot.Agents.Agents.Governance;

/// <summary>A node of a lineage tree: one artifact and what came from it.</summary>
public sealed record LineageNode(string Kind, string Label, IReadOnlyList<LineageNode> Children)
{
    /// <summary>Renders the tree with box-drawing branches.</summary>
    public string Render()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{Kind} {Label}");
        Append(sb, Children, "");
        return sb.ToString().TrimEnd();
    }

    private static void Append(StringBuilder sb, IReadOnlyList<LineageNode> nodes, string indent)
    {
        for (var i = 0; i < nodes.Count; i++)
        {
            var last = i == nodes.Count - 1;
            sb.AppendLine($"{indent}{(last ? "└─ " : "├─ ")}{nodes[i].Kind} {nodes[i].Label}");
            Append(sb, nodes[i].Children, indent + (last ? "   " : "│  "));
        }
    }
}

/// <summary>
/// Where an artifact came from and what it produced: dataset version → training runs → model
/// versions → deployments (alias moves) → drift reports, built from the metadata store.
/// </summary>
public sealed class LineageService(TrainingRunStore runs, ModelRegistry registry, IEnumerable<ILineageAnnotator> annotators)
{
    /// <summary>Lineage of a model (all versions) or one version: upstream dataset and run, downstream deployments.</summary>
    public async Task<LineageNode?> ForModelAsync(string model, int? version, CancellationToken cancellationToken = default)
    {
        var versions = (await registry.ListVersionsAsync(model, cancellationToken)).Where(v => version is null || v.Version == version).OrderBy(v => v.Version).ToList();
        if (versions.Count == 0) return null;
        var byDataset = versions.GroupBy(v => (v.DatasetName, v.DatasetVersion, v.DatasetSha256));
        var roots = new List<LineageNode>();
        foreach (var group in byDataset)
        {
            var children = new List<LineageNode>();
            foreach (var v in group) children.Add(await RunNodeAsync(v, cancellationToken));
            roots.Add(new LineageNode("dataset", DatasetLabel(group.Key.DatasetName, group.Key.DatasetVersion, group.Key.DatasetSha256), children));
        }
        return roots.Count == 1 ? roots[0] : new LineageNode("model", model, roots);
    }

    /// <summary>Lineage of a dataset: the runs trained on it and everything downstream.</summary>
    public async Task<LineageNode?> ForDatasetAsync(string dataset, CancellationToken cancellationToken = default)
    {
        var datasetRuns = await runs.ListByDatasetAsync(dataset, cancellationToken);
        if (datasetRuns.Count == 0) return null;
        var children = new List<LineageNode>();
        foreach (var run in datasetRuns.OrderBy(r => r.Id))
        {
            var version = run.ModelVersion is { } n ? await registry.GetVersionAsync(run.ModelName, n, cancellationToken) : null;
            children.Add(version is null ? new LineageNode("run", RunLabel(run), []) : await RunNodeAsync(version, cancellationToken));
        }
        return new LineageNode("dataset", dataset, children);
    }

    /// <summary>Lineage of a training run.</summary>
    public async Task<LineageNode?> ForRunAsync(long runId, CancellationToken cancellationToken = default)
    {
        var run = await runs.GetAsync(runId, cancellationToken);
        if (run is null) return null;
        var version = run.ModelVersion is { } n ? await registry.GetVersionAsync(run.ModelName, n, cancellationToken) : null;
        var node = version is null ? new LineageNode("run", RunLabel(run), []) : await RunNodeAsync(version, cancellationToken);
        return new LineageNode("dataset", DatasetLabel(run.DatasetName, run.DatasetVersion, run.DatasetSha256), [node]);
    }

    private async Task<LineageNode> RunNodeAsync(ModelVersion v, CancellationToken ct)
    {
        var modelChildren = new List<LineageNode>();
        foreach (var move in (await registry.AliasHistoryAsync(v.ModelName, null, ct)).Where(m => m.ToVersion == v.Version).OrderBy(m => m.Id))
            modelChildren.Add(new LineageNode(move.Kind == "rollback" ? "rollback" : "deployment",
                $"{move.Alias} at {move.At.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} by {move.By}{(move.ApprovedBy is null ? "" : $", approved by {move.ApprovedBy}")}", []));
        foreach (var annotator in annotators)
            modelChildren.AddRange(await annotator.DownstreamOfAsync(v.ModelName, v.Version, ct));
        var modelNode = new LineageNode("model", $"{v.ModelName} v{v.Version} ({v.MetricText}, sha {Short(v.ModelSha256)})", modelChildren);
        if (v.RunId is not { } runId) return modelNode;
        var run = await runs.GetAsync(runId, ct);
        return new LineageNode("run", run is null ? $"#{runId}" : RunLabel(run), [modelNode]);
    }

    private static string RunLabel(TrainingRun run) =>
        $"#{run.Id} ({run.Status}, target {run.Target}, by {run.RequestedBy}, {run.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)})";

    private static string DatasetLabel(string? name, int? version, string? sha) =>
        $"{name ?? "(unknown)"}{(version is null ? "" : $" v{version}")}{(sha is null ? "" : $" (sha {Short(sha)})")}";

    private static string Short(string? sha) => sha is null ? "?" : sha[..Math.Min(12, sha.Length)];

}

/// <summary>Adds downstream artifacts of a model version to lineage (the drift agent adds its reports).</summary>
public interface ILineageAnnotator
{
    /// <summary>Nodes below a model version.</summary>
    Task<IReadOnlyList<LineageNode>> DownstreamOfAsync(string model, int version, CancellationToken cancellationToken = default);
}
