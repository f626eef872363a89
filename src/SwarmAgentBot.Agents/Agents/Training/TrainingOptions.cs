namespace SwarmAgentBot.Agents.Agents.Training;

/// <summary>Training settings (section <c>Swarm:Training</c>).</summary>
public sealed class TrainingOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Swarm:Training";

    /// <summary>Budget when the user names none, in seconds.</summary>
    public int DefaultBudgetSeconds { get; set; } = 120;

    /// <summary>Largest budget accepted from chat, in seconds.</summary>
    public int MaxBudgetSeconds { get; set; } = 4 * 3600;

    /// <summary>Seed when the user names none (recorded with the run).</summary>
    public int DefaultSeed { get; set; } = 42;

    /// <summary>How often progress is posted to the conversation, in seconds.</summary>
    public int ProgressIntervalSeconds { get; set; } = 20;

    /// <summary>How often the monitor looks at running runs, in milliseconds.</summary>
    public int MonitorPollMilliseconds { get; set; } = 1000;

    /// <summary>Extra time a training job gets beyond its budget before it is killed (loading, refit, upload).</summary>
    public int JobGraceSeconds { get; set; } = 300;

    /// <summary>Returns an error naming the setting, or null when valid.</summary>
    public string? Validate() =>
        DefaultBudgetSeconds < 1 || DefaultBudgetSeconds > MaxBudgetSeconds ? "Swarm:Training:DefaultBudgetSeconds must be between 1 and MaxBudgetSeconds." :
        MaxBudgetSeconds > 24 * 3600 ? "Swarm:Training:MaxBudgetSeconds must be at most 86400." :
        MonitorPollMilliseconds < 50 ? "Swarm:Training:MonitorPollMilliseconds must be at least 50." : null;
}
