using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Supervisor;

namespace SwarmAgentBot.Agents.Agents.Pipeline;

/// <summary>Registration of the pipeline agent.</summary>
public static class PipelineAgentExtensions
{
    /// <summary>
    /// The pipeline agent, its run watches (table <c>pipeline_watches</c>) and the watcher that reports
    /// finished runs to their conversation. Needs an <see cref="Ports.IPipelineService"/> registered.
    /// </summary>
    public static IHostApplicationBuilder AddPipelineAgent(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PipelineWatchOptions>().Bind(builder.Configuration.GetSection("Swarm:Pipelines"))
            .Validate(o => o.WatchInterval > TimeSpan.Zero, "Swarm:Pipelines:WatchInterval must be positive.").ValidateOnStart();
        builder.Services.AddSingleton<IMigration>(PipelineRunWatches.Migration);
        builder.Services.AddSingleton<PipelineRunWatches>();
        builder.Services.AddSingleton<IAgent, PipelineAgent>();
        builder.Services.AddSingleton<PipelineRunWatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PipelineRunWatcher>());
        return builder;
    }
}
