using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Integrations.Kubeflow;

/// <summary>Registration of the Kubeflow Pipelines service.</summary>
public static class DependencyInjection
{
    /// <summary>Kubeflow Pipelines (Swarm:Pipelines:Kubeflow) as the <see cref="IPipelineService"/>.</summary>
    public static IServiceCollection AddKubeflowPipelines(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<PipelinesOptions>>().Value.Kubeflow;
            var http = new HttpClient { BaseAddress = new Uri(o.Endpoint!), Timeout = Timeout.InfiniteTimeSpan };
            return new KubeflowClient(http, o, sp.GetRequiredService<ILogger<KubeflowClient>>(), sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<KubeflowPipelineService>();
        services.AddSingleton<IPipelineService>(sp => sp.GetRequiredService<KubeflowPipelineService>());
        return services;
    }
}
