using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Integrations.S3;

/// <summary>Registers the S3 object store.</summary>
public static class S3StorageDependencyInjection
{
    /// <summary>Uses the bucket in <c>Swarm:Storage:S3</c> as the <see cref="IObjectStore"/>; the settings are validated at start.</summary>
    public static IServiceCollection AddS3ObjectStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<S3StorageOptions>().Bind(configuration.GetSection(S3StorageOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<S3StorageOptions>>(new OptionsCheck<S3StorageOptions>(o => o.Validate()));
        services.AddSingleton<IObjectStore>(sp => new S3ObjectStore(sp.GetRequiredService<IOptions<S3StorageOptions>>().Value, sp.GetRequiredService<ILogger<S3ObjectStore>>()));
        return services;
    }
}
