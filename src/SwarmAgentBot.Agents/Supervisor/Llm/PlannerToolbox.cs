using System.Text;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Agents.Supervisor.Llm;

/// <summary>One intent offered to the model as a tool.</summary>
/// <param name="ToolName">Function name on the wire (intent with '.' as "__": OpenAI function names allow no dots).</param>
/// <param name="Intent">Intent name.</param>
/// <param name="Agent">Agent that serves it (approvals, help, greeting, out_of_scope for the supervisor's own).</param>
/// <param name="Description">What it does.</param>
/// <param name="Schema">JSON schema of its entities (without the planner's <c>condition</c> argument).</param>
/// <param name="Mutating">True when it changes something: the user's message must ask for it and the approval gate guards it.</param>
public sealed record PlannerTool(string ToolName, string Intent, string Agent, string Description, JsonObject Schema, bool Mutating)
{
    /// <summary>The argument the planner adds to every tool for conditional follow-up steps.</summary>
    public const string ConditionArgument = "condition";

    /// <summary>The definition sent to the model: the entity schema plus the optional condition.</summary>
    public ChatToolDefinition Definition()
    {
        var schema = (JsonObject)Schema.DeepClone();
        var properties = schema["properties"] as JsonObject ?? new JsonObject();
        schema["properties"] = properties;
        properties[ConditionArgument] = new JsonObject
        {
            ["type"] = "string",
            ["description"] = "Only for a follow-up step that should run only if the previous step's result meets a bar: \"metric op number\", e.g. \"f1 >= 0.8\".",
        };
        var description = Mutating ? Description + " Changes something: it waits for an approval." : Description;
        return new ChatToolDefinition(ToolName, description, schema);
    }
}

/// <summary>
/// What the planner may offer the model: the agents that are registered (plus the supervisor's own intents) and
/// their intents as tools, with schemas from the agents, filled in from <see cref="IntentSchemas"/> where thin.
/// </summary>
public sealed class PlannerToolbox
{
    private readonly Dictionary<string, PlannerTool> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<PlannerTool>> _byAgent = new(StringComparer.Ordinal);

    /// <summary>Builds the toolbox from the registered agents.</summary>
    public PlannerToolbox(AgentCatalog catalog)
    {
        foreach (var agent in catalog.Agents)
            foreach (var intent in agent.Intents)
                Add(new PlannerTool(ToolNameOf(intent.Name), intent.Name, agent.Name, intent.Description,
                    IntentSchemas.Effective(intent), intent.Mutating || IntentSchemas.Find(intent.Name)?.Mutating == true));
        foreach (var name in IntentSchemas.SupervisorIntents)
        {
            var entry = IntentSchemas.Find(name)!;
            Add(new PlannerTool(ToolNameOf(name), name, entry.Agent, entry.Description, IntentSchemas.SchemaFor(name), entry.Mutating));
        }
    }

    /// <summary>Agent names, in registration order (the supervisor's own last).</summary>
    public IReadOnlyList<string> AgentNames => _byAgent.Keys.ToList();

    /// <summary>The wire name of an intent's tool.</summary>
    public static string ToolNameOf(string intent) => intent.Replace(".", "__", StringComparison.Ordinal);

    /// <summary>The tool a model named, by wire name or by intent name; null when there is none.</summary>
    public PlannerTool? Find(string name) =>
        _byName.TryGetValue(name, out var tool) ? tool : _byName.TryGetValue(ToolNameOf(name.Trim()), out tool) ? tool : null;

    /// <summary>The tools of the given agents, in the agents' order.</summary>
    public IReadOnlyList<PlannerTool> ToolsOf(IEnumerable<string> agents) =>
        agents.Distinct(StringComparer.Ordinal).SelectMany(a => _byAgent.TryGetValue(a, out var tools) ? tools : []).ToList();

    /// <summary>A Markdown-ish list of agents and their intents for the agent-choice prompt.</summary>
    public string DescribeAgents()
    {
        var sb = new StringBuilder();
        foreach (var (agent, tools) in _byAgent)
        {
            sb.Append("- ").Append(agent).Append(": ");
            sb.AppendJoin("; ", tools.Select(t => $"{t.Intent} ({t.Description.TrimEnd('.')})"));
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private void Add(PlannerTool tool)
    {
        if (!_byName.TryAdd(tool.ToolName, tool)) return;
        if (!_byAgent.TryGetValue(tool.Agent, out var list)) _byAgent[tool.Agent] = list = [];
        list.Add(tool);
    }
}
