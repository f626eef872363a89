using System.Globalization;
using System.Text.Json.Nodes;

namespace SwarmAgentBot.Agents.Supervisor;

/// <summary>
/// Optional hook for an agent: checks a request before anything of its plan runs (does the dataset exist, is the
/// target a column of it). The supervisor asks it for every step of a plan before the first step starts, and the
/// LLM planner asks it while planning so the model can correct a wrong name. Implement it on the agent class
/// itself (<c>class StorageAgent : IAgent, IRequestVerifier</c>); nothing else needs registering.
/// </summary>
public interface IRequestVerifier
{
    /// <summary>
    /// Problems with the request, each a sentence the user can act on ("There is no dataset churn2.csv; you have
    /// churn.csv."); empty when it looks right. Entities may be missing (a later step of a plan gets them from the
    /// steps before it): check only what is there. Must be read-only and quick.
    /// </summary>
    Task<IReadOnlyList<string>> VerifyAsync(string intent, JsonObject entities, CancellationToken cancellationToken = default);
}

/// <summary>The stages of verification the supervisor runs around a plan (request before, results after each step).</summary>
public static class Verification
{
    /// <summary>
    /// How far over its time budget a step may run before it counts as not kept: budgets are targets for a search
    /// that still has to finish its last candidate and save the model.
    /// </summary>
    public const double BudgetTolerance = 1.2;

    /// <summary>Seconds of slack on top of <see cref="BudgetTolerance"/> (start-up, saving).</summary>
    public const double BudgetSlackSeconds = 10;

    /// <summary>Asks the agents of every step that implement <see cref="IRequestVerifier"/>; returns their problems.</summary>
    public static async Task<IReadOnlyList<string>> VerifyRequestAsync(AgentCatalog catalog, IEnumerable<(string Intent, JsonObject Entities)> steps, CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        foreach (var (intent, entities) in steps)
            if (catalog.Find(intent)?.Agent is IRequestVerifier verifier)
                problems.AddRange(await verifier.VerifyAsync(intent, (JsonObject)entities.DeepClone(), cancellationToken));
        return problems;
    }

    /// <summary>
    /// Checks a finished step's result against what the user asked; null when it is kept, otherwise the reason.
    /// Today: the time budget. A step that honours a budget reports <c>elapsed_s</c> in its metrics (and may report
    /// <c>time_budget_s</c> too, which is how a background job resumed later carries what was asked).
    /// </summary>
    public static string? CheckResult(JsonObject? asked, IReadOnlyDictionary<string, double>? metrics)
    {
        if (metrics is null || !metrics.TryGetValue("elapsed_s", out var elapsed)) return null;
        double? budget = metrics.TryGetValue("time_budget_s", out var reported) ? reported : null;
        if (asked?["time_budget_s"] is JsonValue v && double.TryParse(v.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var requested))
            budget = requested;
        if (budget is not { } b || b <= 0) return null;
        return elapsed > b * BudgetTolerance + BudgetSlackSeconds
            ? $"it took {elapsed.ToString("0", CultureInfo.InvariantCulture)} s, well over the time budget of {b.ToString("0", CultureInfo.InvariantCulture)} s you asked for"
            : null;
    }
}
