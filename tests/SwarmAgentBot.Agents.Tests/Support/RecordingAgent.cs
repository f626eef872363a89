using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Supervisor;

namespace SwarmAgentBot.Agents.Tests.Support;

/// <summary>
/// A small registry-like agent for supervisor tests: "registry.deploy_model" needs approval and
/// counts executions; "registry.list_models" answers at once with a metric.
/// </summary>
public sealed class RecordingAgent : IAgent
{
    private int _executions;

    /// <summary>How many approved actions ran.</summary>
    public int Executions => _executions;

    /// <inheritdoc />
    public string Name => "registry";

    /// <inheritdoc />
    public IReadOnlyList<IntentDescriptor> Intents { get; } =
    [
        new("registry.deploy_model", "Deploy a model version to a stage.", new JsonObject { ["type"] = "object" }, Mutating: true),
        new("registry.list_models", "List models.", new JsonObject { ["type"] = "object" }),
    ];

    /// <inheritdoc />
    public Task<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken = default)
    {
        if (request.Intent == "registry.list_models")
            return Task.FromResult(new AgentResult { Reply = new("churn v3 (f1 0.84)"), Metrics = new Dictionary<string, double> { ["f1"] = 0.84 }, Remember = new Dictionary<string, string> { ["model"] = "churn", ["version"] = "3" } });
        var stage = request.Get("stage") ?? "staging";
        var model = request.Get("model") ?? "churn";
        var args = new JsonObject { ["model"] = model, ["stage"] = stage };
        var role = stage == "production" ? "prod-approver" : "approver";
        return Task.FromResult(AgentResult.NeedsApproval(new ApprovalProposal(request.Intent, $"Deploy {model} to {stage}", args, role, "model:" + model), $"Deploying {model} to {stage}."));
    }

    /// <inheritdoc />
    public Task<AgentResult> ExecuteApprovedAsync(ApprovedAction action, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _executions);
        return Task.FromResult(AgentResult.Ok($"Deployed {action.Arguments["model"]} to {action.Arguments["stage"]}."));
    }
}
