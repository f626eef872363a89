namespace SwarmAgentBot.Agents.Supervisor;

/// <summary>Which agent serves which intent (built from every registered <see cref="IAgent"/>).</summary>
public sealed class AgentCatalog
{
    private readonly Dictionary<string, (IAgent Agent, IntentDescriptor Intent)> _byIntent = new(StringComparer.Ordinal);

    /// <summary>Indexes the registered agents; a duplicate intent is a start-up error.</summary>
    public AgentCatalog(IEnumerable<IAgent> agents)
    {
        Agents = agents.ToList();
        foreach (var agent in Agents)
            foreach (var intent in agent.Intents)
                if (!_byIntent.TryAdd(intent.Name, (agent, intent)))
                    throw new InvalidOperationException($"Intent {intent.Name} is served by both {_byIntent[intent.Name].Agent.Name} and {agent.Name}.");
    }

    /// <summary>All agents.</summary>
    public IReadOnlyList<IAgent> Agents { get; }

    /// <summary>The agent and descriptor for an intent, or null when no agent serves it yet.</summary>
    public (IAgent Agent, IntentDescriptor Intent)? Find(string intent) => _byIntent.TryGetValue(intent, out var hit) ? hit : null;

    /// <summary>Every served intent.</summary>
    public IEnumerable<IntentDescriptor> AllIntents => _byIntent.Values.Select(v => v.Intent);
}
