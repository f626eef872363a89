using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Supervisor;

namespace SwarmAgentBot.Agents.Agents.Storage;

/// <summary>Registers the storage agent and what it needs (the object store itself comes from AddObjectStore).</summary>
public static class StorageAgentExtensions
{
    /// <summary>Adds the dataset registry (migration 0100-datasets), charts, the plotter and the "storage" agent.</summary>
    public static IHostApplicationBuilder AddStorageAgent(this IHostApplicationBuilder builder)
    {
        builder.AddStorageOptions();
        builder.Services.AddSingleton<IMigration>(DatasetRegistry.Migration);
        builder.Services.AddSingleton<DatasetRegistry>();
        builder.Services.AddSingleton<ChartStore>();
        builder.Services.AddSingleton<DatasetPlotter>();
        // Attachments sent as links (web chat uploads, Slack files) are fetched with this client.
        builder.Services.AddHttpClient(StorageAgent.DownloadClient, c => c.Timeout = TimeSpan.FromMinutes(5));
        builder.Services.AddSingleton<IAgent, StorageAgent>();
        return builder;
    }
}
