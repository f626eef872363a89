using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SwarmAgentBot.Agents.Supervisor;

namespace SwarmAgentBot.Agents.Agents.Training;

/// <summary>Registers training: the agent, the worker (used by <c>swarm worker train</c>) and, in the host, the monitor.</summary>
public static class TrainingExtensions
{
    /// <summary>Adds the training agent and worker. Needs the registry (AddRegistryAgent), storage and a job runner.</summary>
    public static IHostApplicationBuilder AddTrainingAgent(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TrainingOptions>().Bind(builder.Configuration.GetSection(TrainingOptions.Section))
            .Validate(o => o.Validate() is null, "Swarm:Training settings are invalid (budgets 1..86400 s, MonitorPollMilliseconds ≥ 50).").ValidateOnStart();
        builder.Services.AddSingleton<TrainingWorker>();
        builder.Services.AddSingleton<IAgent, TrainingAgent>();
        return builder;
    }

    /// <summary>Adds the monitor that posts progress and results (host only, not the CLI).</summary>
    public static IHostApplicationBuilder AddTrainingMonitor(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHostedService<TrainingMonitor>();
        return builder;
    }
}
