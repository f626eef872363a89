using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using SwarmAgentBot.Agents.Agents.Storage;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Integrations.Local;
using SwarmAgentBot.Integrations.S3;

namespace SwarmAgentBot.Integrations;

/// <summary>Picks the object store by configuration.</summary>
public static class StorageDependencyInjection
{
    /// <summary>
    /// Registers the <see cref="IObjectStore"/> named by <c>Swarm:Storage:Provider</c>: Local (default)
    /// or S3. Options are validated at start with messages that name the setting.
    /// </summary>
    public static IHostApplicationBuilder AddObjectStore(this IHostApplicationBuilder builder)
    {
        builder.AddStorageOptions();
        var provider = builder.Configuration.GetSection(StorageOptions.Section)[nameof(StorageOptions.Provider)];
        if (string.Equals(provider, "S3", StringComparison.OrdinalIgnoreCase)) builder.Services.AddS3ObjectStore(builder.Configuration);
        // An unknown provider also lands here; resolving the store then fails with StorageOptions' message.
        else builder.Services.AddLocalObjectStore();
        return builder;
    }
}
