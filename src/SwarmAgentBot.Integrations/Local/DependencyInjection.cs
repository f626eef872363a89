using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Integrations.Local;

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
