using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Agents.Pipeline;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Integrations.Kubeflow;
using SwarmAgentBot.Integrations.Kubernetes;
using SwarmAgentBot.Integrations.Local;

namespace SwarmAgentBot.Integrations;

/// <summary>Jobs and pipelines, each backend picked by configuration.</summary>
public static class PipelinesExtensions
{
    /// <summary>
    /// The <see cref="IJobRunner"/> chosen by Swarm:Jobs:Provider: Local (default) or Kubernetes.
    /// Safe to call from more than one feature: only the first call registers.
    /// </summary>
    public static IHostApplicationBuilder AddJobRunner(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(IJobRunner))) return builder;
        builder.Services.AddOptions<JobsOptions>().Bind(builder.Configuration.GetSection(JobsOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<JobsOptions>>(new OptionsCheck<JobsOptions>(o => o.Validate()));
        builder.Services.TryAddSingleton(TimeProvider.System);
        var options = builder.Configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        builder.Services.AddLocalProcessJobs(asJobRunner: !options.UsesKubernetes);
        if (options.UsesKubernetes)
        {
            builder.Services.AddKubernetesJobRunner();
            builder.Services.AddSingleton<SwarmAgentBot.Agents.Agents.Registry.IServingDeployer, Kubernetes.KubernetesServingDeployer>();
        }
        return builder;
    }

    /// <summary>
    /// Pipelines end to end: the job runner, the <see cref="IPipelineService"/> chosen by
    /// Swarm:Pipelines:Provider (Local default, or Kubeflow) and the pipeline agent with its run watcher.
    /// </summary>
    public static IHostApplicationBuilder AddPipelines(this IHostApplicationBuilder builder)
    {
        builder.AddJobRunner();
        builder.Services.AddOptions<PipelinesOptions>().Bind(builder.Configuration.GetSection(PipelinesOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<PipelinesOptions>>(new OptionsCheck<PipelinesOptions>(o => o.Validate()));
        var options = builder.Configuration.GetSection(PipelinesOptions.Section).Get<PipelinesOptions>() ?? new PipelinesOptions();
        if (options.UsesKubeflow) builder.Services.AddKubeflowPipelines();
        else builder.AddLocalPipelineEngine();
        builder.AddPipelineAgent();
        return builder;
    }
}
