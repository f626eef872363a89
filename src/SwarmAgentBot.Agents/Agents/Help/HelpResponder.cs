using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Supervisor;

namespace SwarmAgentBot.Agents.Agents.Help;

/// <summary>Help, greeting and out-of-scope answers: what the assistant can do, per area.</summary>
public sealed class HelpResponder(AgentCatalog catalog)
{
    private static readonly (string Area, string Title, string[] Examples)[] Areas =
    [
        ("storage", "Datasets and artifacts", ["list datasets", "preview churn.csv", "profile churn.csv with target Churn", "plot tenure vs MonthlyCharges in churn.csv", "upload this file as churn (attach a CSV)"]),
        ("training", "AutoML training", ["train a churn model on churn.csv target Churn in 2 minutes", "how is run 12 going?", "show the leaderboard for run 12", "which features matter for churn-model?"]),
        ("registry", "Models, deployment and serving", ["list models", "deploy churn-model v3 to prod", "roll back churn-model in production", "what is deployed in staging?", "predict with churn-model: tenure=3, contract=monthly"]),
        ("drift", "Drift monitoring", ["check drift for churn-model", "why did churn-model drift?", "drift history for churn-model", "monitor churn-model every hour, alert above 0.2"]),
        ("pipeline", "Pipelines and jobs", ["list pipelines", "describe train-and-register", "run train-and-register with dataset=churn.csv target=Churn", "status of run 7", "compare runs 7 and 8"]),
        ("knowledge", "Questions about MLOps and this system", ["how do I roll back a model?", "what is PSI?", "who may approve a production deployment?"]),
        ("governance", "Lineage, audit and approvals", ["lineage of churn-model v3", "audit log for churn-model", "pending approvals", "approve 42", "reproduce run 12"]),
    ];

    // The catalog is fixed once the host has started, so the full help (the most asked-for reply) is built once.
    private BotReply? _fullHelp;

    /// <summary>The help text, for all areas or one.</summary>
    public BotReply Help(string? topic) => topic is null ? _fullHelp ??= Build(null) : Build(topic);

    private BotReply Build(string? topic)
    {
        var areas = Areas.Where(a => topic is null || a.Area.Equals(topic, StringComparison.OrdinalIgnoreCase) || a.Title.Contains(topic, StringComparison.OrdinalIgnoreCase)).ToList();
        if (areas.Count == 0) areas = Areas.ToList();
        var lines = new List<string> { areas.Count == 1 ? $"Here is what I can do for **{areas[0].Title.ToLowerInvariant()}**:" : "I am SwarmAgentBot, your MLOps assistant. Here is what I can do:" };
        foreach (var (area, title, examples) in areas)
        {
            // Approvals live in the supervisor, so governance always has something to offer.
            var ready = area == "governance" || catalog.Agents.Any(a => a.Name == area);
            lines.Add($"\n**{title}**{(ready ? "" : " (not set up in this installation yet)")}");
            foreach (var e in examples) lines.Add($"- \"{e}\"");
        }
        lines.Add("\nMutating actions (deploy, rollback, delete, cancel, retrain) wait for an approval from someone with the right role.");
        return BotReply.Plain(string.Join("\n", lines));
    }

    /// <summary>A reply to hello / thanks / bye.</summary>
    public BotReply Greeting(string text)
    {
        var t = text.ToLowerInvariant();
        if (t.Contains("thank") || t.Contains("thx") || t.Contains("cheers")) return BotReply.Plain("You're welcome! Anything else about your models or data?");
        if (t.Contains("bye") || t.Contains("see you") || t.Contains("good night")) return BotReply.Plain("Bye! I'll post here if a job or a drift check needs your attention.");
        return BotReply.Plain("Hello! I'm SwarmAgentBot. I can manage datasets, train models with AutoML, deploy and monitor them. Say \"help\" to see examples.");
    }

    /// <summary>A polite refusal for anything outside MLOps; never an action.</summary>
    public BotReply OutOfScope() =>
        BotReply.Plain("Sorry, that is outside what I do. I help with datasets, training, pipelines, model deployment, drift monitoring and MLOps questions. Say \"help\" for examples.");
}
