using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Agents.Storage;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Integrations.Local;
/// <summary>Registers the local folder object store.</summary>
public static class LocalStorageDependencyInjection
{
    /// <summary>
    /// Uses a folder as the <see cref="IObjectStore"/>: Swarm:Storage:Local:Root, or
    /// Swarm:DataDir/objects by default.
    /// </summary>
    public static IServiceCollection AddLocalObjectStore(this IServiceCollection services)
    {
        services.AddSingleton<IObjectStore>(sp => new LocalObjectStore(
            sp.GetRequiredService<IOptions<StorageOptions>>().Value.LocalRoot(sp.GetRequiredService<IOptions<SwarmOptions>>().Value),
            sp.GetRequiredService<ILogger<LocalObjectStore>>()));
        return services;
    }
}

/// <summary>Registrations of the local adapters: process jobs and the local pipeline engine.</summary>
public static class DependencyInjection
{
    /// <summary>
    /// Local process jobs (table <c>jobs</c>). Always registered as the concrete
    /// <see cref="LocalProcessJobRunner"/> (the local engine drives detached runs with it); also the
    /// <see cref="IJobRunner"/> when <paramref name="asJobRunner"/> is true.
    /// </summary>
    public static IServiceCollection AddLocalProcessJobs(this IServiceCollection services, bool asJobRunner)
    {
        if (!services.Any(d => d.ServiceType == typeof(LocalProcessJobRunner)))
        {
            services.AddSingleton<IMigration>(LocalJobStore.Migration);
            services.AddSingleton<LocalJobStore>();
            services.AddSingleton<LocalProcessJobRunner>();
        }
        if (asJobRunner) services.TryAddSingleton<IJobRunner>(sp => sp.GetRequiredService<LocalProcessJobRunner>());
        return services;
    }

    /// <summary>The local pipeline engine as the <see cref="IPipelineService"/> (tables <c>pipeline_runs</c>, <c>pipeline_run_steps</c>), resuming orphaned runs when the host starts.</summary>
    public static IHostApplicationBuilder AddLocalPipelineEngine(this IHostApplicationBuilder builder)
    {
        builder.Services.AddLocalProcessJobs(asJobRunner: false);
        builder.Services.AddSingleton<IMigration>(PipelineRunStore.Migration);
        builder.Services.AddSingleton<PipelineRunStore>();
        builder.Services.AddSingleton<LocalPipelineCatalog>();
        builder.Services.AddSingleton<LocalPipelineEngine>();
        builder.Services.AddSingleton<IPipelineService>(sp => sp.GetRequiredService<LocalPipelineEngine>());
        builder.Services.AddHostedService<LocalPipelineResumer>();
        return builder;
    }
}
