using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace SwarmAgentBot.Host.Tests.Support;

/// <summary>
/// The real host in memory over a fresh data folder. Pass the same folder to a second factory to
/// simulate a restart. <paramref name="configure"/> can replace services (fixtures, test agents).
/// </summary>
public sealed class SwarmWebFactory(string? dataDir = null, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null)
    : WebApplicationFactory<Program>
{
    /// <summary>The data folder this host uses.</summary>
    public string DataDir { get; } = dataDir ?? Path.Combine(Path.GetTempPath(), "swarm-host-" + Guid.NewGuid().ToString("N")[..12]);

    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Swarm:DataDir", DataDir);
        builder.UseSetting("Swarm:Knowledge:Path", Path.Combine(DataDir, "no-knowledge"));
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) builder.UseSetting(k, v);
        builder.ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        if (configure is not null) builder.ConfigureTestServices(configure);
    }

    /// <summary>
    /// Removes the real agents of the given types, so a test can put a stand-in serving the same
    /// intents in their place (the catalog refuses two agents for one intent).
    /// </summary>
    public static void RemoveAgents(IServiceCollection services, params Type[] agentTypes)
    {
        foreach (var d in services.Where(d => d.ServiceType == typeof(SwarmAgentBot.Agents.Supervisor.IAgent) && agentTypes.Contains(d.ImplementationType)).ToList())
            services.Remove(d);
    }

    /// <summary>Deletes the data folder (call once the last factory over it is disposed).</summary>
    public static void DeleteDataDir(string dataDir)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(dataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
