namespace SwarmAgentBot.Agents.Supervisor.Routing;

/// <summary>
/// The simple memory rule used where no agent ran (the <c>swarm nlu --batch</c> command, evaluations):
/// route each earlier message in turn and remember the last model, version, dataset, bucket, run_id,
/// pipeline, stage and approval_id it named, as the supervisor would after the agents answered.
/// </summary>
public static class RoutingMemory
{
    private static readonly string[] Keys = ["model", "version", "dataset", "bucket", "run_id", "pipeline", "stage", "approval_id"];

    /// <summary>Builds the routing context for a message from the earlier user messages (oldest first).</summary>
    public static async Task<RoutingContext> FromHistoryAsync(IIntentRouter router, IReadOnlyList<string> earlierMessages, CancellationToken cancellationToken = default)
    {
        var memory = new Dictionary<string, string>(StringComparer.Ordinal);
        var history = new List<string>(earlierMessages.Count);
        foreach (var message in earlierMessages)
        {
            var route = await router.RouteAsync(message, new RoutingContext(history.ToList(), new Dictionary<string, string>(memory)), cancellationToken);
            Remember(memory, route);
            history.Add(message);
        }
        return new RoutingContext(history, memory);
    }

    /// <summary>Updates <paramref name="memory"/> with what one routed message named (its steps included).</summary>
    public static void Remember(IDictionary<string, string> memory, RouteResult route)
    {
        foreach (var key in Keys)
            if (route.Entities[key] is { } value) memory[key] = value.ToString();
        if (route.Entities["run_ids"] is System.Text.Json.Nodes.JsonArray { Count: > 0 } ids) memory["run_id"] = ids[^1]!.ToString();
        foreach (var step in route.Steps ?? [])
            foreach (var key in Keys)
                if (step.Entities[key] is { } value) memory[key] = value.ToString();
    }
}
