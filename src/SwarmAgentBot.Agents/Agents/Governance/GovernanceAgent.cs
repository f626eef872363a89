using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Supervisor;

namespace SwarmAgentBot.Agents.Agents.Governance;

/// <summary>Lineage of any artifact and the audit log, in chat.</summary>
public sealed class GovernanceAgent(LineageService lineage, AuditLog audit) : IAgent
{
    /// <inheritdoc />
    public string Name => "governance";

    /// <inheritdoc />
    public IReadOnlyList<IntentDescriptor> Intents { get; } =
    [
        new("governance.lineage", "Where a model, run or dataset came from and what it produced.",
            JsonSchemas.Object([], ("model", "string", "Model name."), ("version", "integer", "Model version."), ("dataset", "string", "Dataset name."), ("run_id", "string", "Training run id.")),
            Examples: ["lineage of churn-model v3", "what was trained on churn.csv?"]),
        new("governance.audit_log", "Who did what, when (filter by model, user or action).",
            JsonSchemas.Object([], ("model", "string", "Only entries about this model."), ("user", "string", "Only entries by or approved by this person."), ("action", "string", "Only actions starting with this.")),
            Examples: ["audit log for churn-model", "what did bob approve?"]),
    ];

    /// <inheritdoc />
    public async Task<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken = default) => request.Intent switch
    {
        "governance.lineage" => await LineageAsync(request, cancellationToken),
        "governance.audit_log" => await AuditAsync(request, cancellationToken),
        _ => AgentResult.Fail($"The governance agent does not handle {request.Intent}."),
    };

    /// <inheritdoc />
    public Task<AgentResult> ExecuteApprovedAsync(ApprovedAction action, CancellationToken cancellationToken = default) =>
        Task.FromResult(AgentResult.Fail("Governance actions need no approval."));

    private async Task<AgentResult> LineageAsync(AgentRequest request, CancellationToken ct)
    {
        LineageNode? tree;
        string subject;
        if (request.Get("run_id") is { } run && long.TryParse(run, NumberStyles.Integer, CultureInfo.InvariantCulture, out var runId))
        {
            tree = await lineage.ForRunAsync(runId, ct);
            subject = $"run {runId}";
        }
        else if ((request.Get("model") ?? (request.Get("dataset") is null ? request.Turn.Memory.GetValueOrDefault("model") : null)) is { } model)
        {
            var version = request.GetNumber("version") is { } v ? (int?)(int)v : null;
            tree = await lineage.ForModelAsync(model, version, ct);
            subject = version is null ? model : $"{model} v{version}";
        }
        else if ((request.Get("dataset") ?? request.Turn.Memory.GetValueOrDefault("dataset")) is { } dataset)
        {
            tree = await lineage.ForDatasetAsync(dataset, ct);
            subject = dataset;
        }
        else
        {
            return AgentResult.Fail("Lineage of what? Name a model (\"lineage of churn-model v3\"), a dataset or a run.");
        }
        if (tree is null) return AgentResult.Fail($"I have no lineage for {subject}: nothing registered under that name.");
        return AgentResult.Ok($"Lineage of {subject}:\n```\n{tree.Render()}\n```");
    }

    private async Task<AgentResult> AuditAsync(AgentRequest request, CancellationToken ct)
    {
        var model = request.Get("model");
        var entries = await audit.QueryAsync(model is null ? null : "model:" + model, request.Get("user"), request.Get("action"), 20, ct);
        if (entries.Count == 0) return AgentResult.Ok("No audit entries match.");
        var rows = entries.Select(e => (IReadOnlyList<string>)[
            "#" + e.Seq, e.At.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), e.Actor, e.Action, e.Resource ?? "", e.ApprovedBy ?? ""]).ToList();
        return AgentResult.Ok(new BotReply($"The last {entries.Count} matching audit entries (newest first). `swarm audit verify` checks the hash chain.",
            [new Card("Audit log", [new CardTable(["#", "When (UTC)", "Who", "Action", "About", "Approved by"], rows)])]));
    }
}

/// <summary>Registers lineage and the governance agent.</summary>
public static class GovernanceExtensions
{
    /// <summary>Adds <see cref="LineageService"/> and the governance agent.</summary>
    public static IHostApplicationBuilder AddGovernanceAgent(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LineageService>();
        builder.Services.AddSingleton<IAgent, GovernanceAgent>();
        return builder;
    }
}
