using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Metadata;

namespace SwarmAgentBot.Agents.Agents.Storage;

/// <summary>Settings of section <c>Swarm:Storage</c>: where objects live and what uploads may be.</summary>
public sealed class StorageOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Swarm:Storage";

    /// <summary>"Local" (a folder, the default) or "S3" (MinIO, AWS; see Swarm:Storage:S3).</summary>
    public string Provider { get; set; } = "Local";

    /// <summary>Largest dataset upload accepted, in bytes. Default 256 MiB.</summary>
    public long MaxUploadBytes { get; set; } = 256L << 20;

    /// <summary>Local provider settings.</summary>
    public LocalStorageSettings Local { get; set; } = new();

    /// <summary>True when <see cref="Provider"/> is S3 (any case).</summary>
    public bool IsS3 => string.Equals(Provider, "S3", StringComparison.OrdinalIgnoreCase);

    /// <summary>The local store's folder: <see cref="LocalStorageSettings.Root"/> (relative to the data folder) or DataDir/objects.</summary>
    public string LocalRoot(SwarmOptions swarm) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(Local.Root) ? Path.Combine(swarm.DataDirFullPath, "objects") : Path.Combine(swarm.DataDirFullPath, Local.Root));

    /// <summary>Returns an error naming the setting, or null when valid.</summary>
    public string? Validate()
    {
        if (!string.Equals(Provider, "Local", StringComparison.OrdinalIgnoreCase) && !IsS3)
            return $"Swarm:Storage:Provider must be Local or S3 (it is '{Provider}').";
        if (MaxUploadBytes <= 0) return "Swarm:Storage:MaxUploadBytes must be a positive number of bytes.";
        return null;
    }
}

/// <summary>Settings of section <c>Swarm:Storage:Local</c>.</summary>
public sealed class LocalStorageSettings
{
    /// <summary>Folder for objects; relative paths are under Swarm:DataDir. Default: DataDir/objects.</summary>
    public string? Root { get; set; }
}

/// <summary>Registration of <see cref="StorageOptions"/>, shared by the object store and the storage agent.</summary>
public static class StorageOptionsRegistration
{
    /// <summary>Binds and validates Swarm:Storage once, however many features ask for it.</summary>
    public static IHostApplicationBuilder AddStorageOptions(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(StorageOptionsMarker))) return builder;
        builder.Services.AddSingleton<StorageOptionsMarker>();
        builder.Services.AddOptions<StorageOptions>().Bind(builder.Configuration.GetSection(StorageOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<StorageOptions>>(new OptionsCheck<StorageOptions>(o => o.Validate()));
        return builder;
    }

    private sealed class StorageOptionsMarker;
}
