using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Integrations.Http;

namespace SwarmAgentBot.Integrations.Kubernetes;

/// <summary>Registration of the Kubernetes job runner.</summary>
public static class DependencyInjection
{
    /// <summary>Kubernetes Jobs as the <see cref="IJobRunner"/>: connection from Swarm:Jobs:Kubernetes (kubeconfig or in-cluster).</summary>
    public static IServiceCollection AddKubernetesJobRunner(this IServiceCollection services)
    {
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<JobsOptions>>().Value.Kubernetes;
            return KubernetesConnection.Load(o.Kubeconfig, o.Context);
        });
        services.AddSingleton(sp =>
        {
            var connection = sp.GetRequiredService<KubernetesConnection>();
            var o = sp.GetRequiredService<IOptions<JobsOptions>>().Value.Kubernetes;
            var http = new HttpClient(connection.CreateHandler()) { BaseAddress = connection.Server, Timeout = Timeout.InfiniteTimeSpan };
            return new KubernetesClient(http, connection, new RetrySettings(o.MaxRetries, o.RetryDelay, o.MaxRetryAfter, o.RequestTimeout),
                sp.GetRequiredService<ILogger<KubernetesClient>>(), sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<KubernetesJobRunner>();
        services.AddSingleton<IJobRunner>(sp => sp.GetRequiredService<KubernetesJobRunner>());
        return services;
    }
}
