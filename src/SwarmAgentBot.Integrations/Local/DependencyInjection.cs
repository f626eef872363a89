using Microsoft.Extensions.DependencyInjection;
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
