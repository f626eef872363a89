using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Integrations;

namespace SwarmAgentBot.Integrations.Tests.Pipelines;

/// <summary>
/// The real services over a fresh temp DataDir and manifests folder. Jobs run as real processes:
/// the job command is /bin/sh -c, so a step's command is a shell script.
/// </summary>
public sealed class PipelineTestHost : IDisposable
{
    private readonly IHost _host;

    public PipelineTestHost(IDictionary<string, string?>? settings = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "swarm-pipelines-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path.Combine(Root, "manifests", "pipelines"));
        var config = new Dictionary<string, string?>
        {
            ["Swarm:DataDir"] = Path.Combine(Root, "data"),
            ["Swarm:Jobs:Local:Command"] = "/bin/sh",
            ["Swarm:Jobs:Local:CommandArguments:0"] = "-c",
            ["Swarm:Pipelines:ManifestsPath"] = Path.Combine(Root, "manifests"),
            // Steps here are shell scripts, so there is no swarm to run a driver process with: drive runs in the test process.
            ["Swarm:Pipelines:Local:Drive"] = "InProcess",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) config[k] = v;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = Root });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.ClearProviders();
        builder.AddSwarmCore();
        builder.AddPipelines();
        _host = builder.Build();
    }

    /// <summary>Temp folder of this host.</summary>
    public string Root { get; }

    public T Get<T>() where T : notnull => _host.Services.GetRequiredService<T>();

    /// <summary>Writes a pipeline manifest.</summary>
    public void WritePipeline(string name, string yaml) => File.WriteAllText(Path.Combine(Root, "manifests", "pipelines", name + ".yaml"), yaml);

    public void Dispose()
    {
        _host.Dispose();
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { /* a killed process may still hold a file for a moment */ }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Polls a condition until it holds or a deadline passes (no fixed sleeps).</summary>
public static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? within = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Gave up waiting for {what ?? "the condition"}; last value: {value}");
            await Task.Delay(50);
        }
    }

    public static Task<bool> TrueAsync(Func<bool> condition, TimeSpan? within = null, string? what = null) =>
        GetAsync(() => Task.FromResult(condition()), v => v, within, what);
}
