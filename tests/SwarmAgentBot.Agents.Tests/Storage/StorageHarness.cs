using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SwarmAgentBot.Agents.Agents.Storage;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Integrations.Local;

namespace SwarmAgentBot.Agents.Tests.Storage;

/// <summary>The storage agent wired as in the host, on a temporary data folder with the local object store.</summary>
internal sealed class StorageHarness : IDisposable
{
    private readonly IHost _host;

    public StorageHarness(Func<IObjectStore, IObjectStore>? wrapStore = null, Dictionary<string, string?>? settings = null, IIntentRouter? router = null)
    {
        DataDir = Directory.CreateTempSubdirectory("swarm-storage-agent-").FullName;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var config = new Dictionary<string, string?> { ["Swarm:DataDir"] = DataDir, ["Swarm:PublicBaseUrl"] = "http://bot.test" };
        foreach (var (k, v) in settings ?? []) config[k] = v;
        builder.Configuration.AddInMemoryCollection(config);
        builder.AddSwarmCore();
        builder.AddStorageAgent();
        var local = new LocalObjectStore(Path.Combine(DataDir, "objects"));
        builder.Services.AddSingleton(wrapStore is null ? local : wrapStore(local));
        builder.Services.AddHttpClient(StorageAgent.DownloadClient).ConfigurePrimaryHttpMessageHandler(() => Downloads);
        if (router is not null) builder.Services.AddSingleton(router);
        _host = builder.Build();
        Local = local;
    }

    public string DataDir { get; }
    public LocalObjectStore Local { get; }
    public LinkServer Downloads { get; } = new();
    public IServiceProvider Services => _host.Services;
    public StorageAgent Agent => Services.GetServices<IAgent>().OfType<StorageAgent>().Single();
    public DatasetRegistry Registry => Services.GetRequiredService<DatasetRegistry>();
    public ChartStore Charts => Services.GetRequiredService<ChartStore>();

    public static readonly string ChurnCsv = File.ReadAllText(Path.Combine(RepoRoot(), "demo", "churn.csv"));

    public static AgentRequest Request(string intent, JsonObject? entities = null, IReadOnlyDictionary<string, string>? memory = null, IReadOnlyList<FileAttachment>? files = null, string user = "alice") =>
        new(intent, entities ?? [], new TurnContext(new ConversationRef("test", "conv-1"), new UserRef(user, user), memory ?? new Dictionary<string, string>()))
        {
            Attachments = files ?? [],
        };

    public static FileAttachment Csv(string name, string content) => new(name, "text/csv", null, Encoding.UTF8.GetBytes(content));

    public Task<AgentResult> UploadAsync(string name, string content, string? as_ = null) =>
        Agent.HandleAsync(Request("storage.upload_dataset", as_ is null ? null : new JsonObject { ["dataset"] = as_ }, files: [Csv(name, content)]));

    /// <summary>Files anyone could find left over in the store or the staging folder.</summary>
    public IReadOnlyList<string> LeftoverFiles() =>
        Directory.Exists(DataDir) ? Directory.EnumerateFiles(DataDir, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".db", StringComparison.Ordinal) && !f.Contains("swarm.db", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(DataDir, f)).ToList() : [];

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SwarmAgentBot.sln"))) return dir.FullName;
        throw new InvalidOperationException("Repository root not found");
    }

    public void Dispose()
    {
        _host.Dispose();
        Directory.Delete(DataDir, recursive: true);
    }

    /// <summary>Stands in for a channel's file host: serves registered links, 404 for the rest.</summary>
    internal sealed class LinkServer : HttpMessageHandler
    {
        public Dictionary<string, byte[]> Files { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(Files.TryGetValue(request.RequestUri!.ToString(), out var bytes)
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(bytes) }
                : new HttpResponseMessage(HttpStatusCode.NotFound));
    }
}
