using SwarmAgentBot.Agents.Agents.Governance;

namespace SwarmAgentBot.Agents.Agents.Drift;

/// <summary>Puts drift reports under their model version in lineage.</summary>
public sealed class DriftLineage(DriftReportStore reports) : ILineageAnnotator
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<LineageNode>> DownstreamOfAsync(string model, int version, CancellationToken cancellationToken = default) =>
        (await reports.ListAsync(model, version, limit: 20, cancellationToken: cancellationToken))
            .Select(r => new LineageNode("drift report",
                $"#{r.Id} {r.CreatedAt:yyyy-MM-dd HH:mm} {r.Rows} rows, drift share {DriftAgent.Pct(r.DriftShare)}{(r.Drifted == true ? " (drifted)" : "")}", []))
            .ToList();
}
