using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Agents.Training;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Supervisor;

namespace SwarmAgentBot.Agents.Agents.Registry;

/// <summary>Registers the model registry, serving and the registry agent.</summary>
public static class RegistryExtensions
{
    /// <summary>Adds registry tables, <see cref="ModelRegistry"/>, <see cref="TrainingRunStore"/>, <see cref="PredictionLog"/>, <see cref="ModelServer"/> and the agent.</summary>
    public static IHostApplicationBuilder AddRegistryAgent(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RegistryOptions>().Bind(builder.Configuration.GetSection(RegistryOptions.Section))
            .Validate(o => o.Validate() is null, "Swarm:Registry:MaxBatchRecords must be at least 1.").ValidateOnStart();
        foreach (var migration in RegistryMigrations.All) builder.Services.AddSingleton(migration);
        builder.Services.AddSingleton<ModelRegistry>();
        builder.Services.AddSingleton<TrainingRunStore>();
        builder.Services.AddSingleton<PredictionLog>();
        builder.Services.TryAddSingleton<PredictionLogImporter>();
        // Bound here, not in AddPinnedModelServing, so the importer in the CLI also knows it is not a pod.
        builder.Services.AddOptions<PinnedServingOptions>().Bind(builder.Configuration.GetSection(PinnedServingOptions.Section));
        builder.Services.AddSingleton<ModelServer>();
        builder.Services.AddSingleton<IAgent, RegistryAgent>();
        return builder;
    }

    /// <summary>
    /// In the host (not the CLI): serve the version named by <c>Swarm:Serving</c> (a serving pod), loaded
    /// before the host starts listening, and ship its prediction log to the object store for the bot
    /// (<see cref="PredictionLogShipper"/>). Nothing happens when Swarm:Serving:Model is empty.
    /// </summary>
    public static IHostApplicationBuilder AddPinnedModelServing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PinnedServingOptions>().ValidateOnStart(); // bound by AddRegistryAgent
        builder.Services.AddSingleton<IValidateOptions<PinnedServingOptions>>(new OptionsCheck<PinnedServingOptions>(o => o.Validate()));
        builder.Services.AddHostedService<PinnedModelLoader>();
        builder.Services.AddSingleton<PredictionLogShipper>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PredictionLogShipper>());
        return builder;
    }
}
