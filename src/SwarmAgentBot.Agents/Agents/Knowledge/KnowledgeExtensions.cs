using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Supervisor;

namespace SwarmAgentBot.Agents.Agents.Knowledge;

/// <summary>Registers the knowledge base and its agent.</summary>
public static class KnowledgeExtensions
{
    /// <summary>Name of the HttpClient used for the embeddings endpoint.</summary>
    public const string EmbeddingsHttpClient = "knowledge-embeddings";

    /// <summary>
    /// Adds <c>Swarm:Knowledge</c> options, the index (its own SQLite file, default <c>&lt;DataDir&gt;/knowledge.db</c>),
    /// the optional embeddings client, the background indexer and the <c>knowledge</c> agent.
    /// </summary>
    public static IHostApplicationBuilder AddKnowledgeAgent(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<KnowledgeOptions>().Bind(builder.Configuration.GetSection(KnowledgeOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<KnowledgeOptions>>(new OptionsCheck<KnowledgeOptions>(o => o.Validate()));
        builder.Services.AddHttpClient(EmbeddingsHttpClient, c => c.Timeout = TimeSpan.FromSeconds(100));
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<KnowledgeOptions>>().Value;
            var dataDir = sp.GetRequiredService<IOptions<SwarmOptions>>().Value.DataDirFullPath;
            return new KnowledgeIndex(options.DatabaseFullPath(dataDir), CreateEmbeddingClient(sp, options), sp.GetRequiredService<ILogger<KnowledgeIndex>>());
        });
        builder.Services.AddSingleton<KnowledgeBase>();
        builder.Services.AddHostedService<KnowledgeIndexingService>();
        builder.Services.AddSingleton<KnowledgeAgent>();
        builder.Services.AddSingleton<IAgent>(sp => sp.GetRequiredService<KnowledgeAgent>());
        return builder;
    }

    /// <summary>The embeddings client when <c>Swarm:Knowledge:Embeddings:Enabled</c> is true, else null.</summary>
    public static EmbeddingClient? CreateEmbeddingClient(IServiceProvider services, KnowledgeOptions options) =>
        options.Embeddings.Enabled
            ? new EmbeddingClient(services.GetRequiredService<IHttpClientFactory>().CreateClient(EmbeddingsHttpClient), options.Embeddings)
            : null;
}
