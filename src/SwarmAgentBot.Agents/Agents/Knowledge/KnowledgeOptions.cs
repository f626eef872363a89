namespace SwarmAgentBot.Agents.Agents.Knowledge;

/// <summary>
/// Knowledge base settings (section <c>Swarm:Knowledge</c>): which folder of Markdown is indexed,
/// where the index lives, how many passages an answer shows and how sure it must be.
/// </summary>
public sealed class KnowledgeOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Swarm:Knowledge";

    /// <summary>Folder of Markdown/MDX documents, relative to the working directory or absolute. Default "knowledge".</summary>
    public string Path { get; set; } = "knowledge";

    /// <summary>The index database file. Default: <c>&lt;DataDir&gt;/knowledge.db</c>.</summary>
    public string? DatabasePath { get; set; }

    /// <summary>How many passages an answer cites (and the default for searches). Default 3.</summary>
    public int TopK { get; set; } = 3;

    /// <summary>
    /// The least relevance (0..1) the best passage needs before the agent answers: the share of the
    /// question's key terms, weighted by how rare they are, that the passage contains. Below it the
    /// agent says it found nothing and suggests the closest topics. Default 0.5.
    /// </summary>
    public double MinScore { get; set; } = 0.5;

    /// <summary>Optional dense embeddings fused with the keyword ranking.</summary>
    public KnowledgeEmbeddingsOptions Embeddings { get; set; } = new();

    /// <summary>The knowledge folder as an absolute path.</summary>
    public string FolderFullPath => System.IO.Path.GetFullPath(Path);

    /// <summary>The index database path, given the data folder.</summary>
    public string DatabaseFullPath(string dataDirFullPath) =>
        System.IO.Path.GetFullPath(string.IsNullOrWhiteSpace(DatabasePath) ? System.IO.Path.Combine(dataDirFullPath, "knowledge.db") : DatabasePath);

    /// <summary>Returns an error naming the setting, or null when valid.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Path)) return "Swarm:Knowledge:Path must name a folder of Markdown documents.";
        if (TopK is < 1 or > 50) return "Swarm:Knowledge:TopK must be between 1 and 50.";
        if (MinScore is < 0 or > 1 || double.IsNaN(MinScore)) return "Swarm:Knowledge:MinScore must be between 0 and 1.";
        return Embeddings.Validate();
    }
}

/// <summary>
/// Section <c>Swarm:Knowledge:Embeddings</c>: an OpenAI-compatible embeddings endpoint
/// (POST <c>{Endpoint}/embeddings</c>). Off by default; the keyword index works without it.
/// </summary>
public sealed class KnowledgeEmbeddingsOptions
{
    /// <summary>Turns dense retrieval on.</summary>
    public bool Enabled { get; set; }

    /// <summary>Base URL of the API, e.g. <c>https://api.openai.com/v1</c> or a local server's <c>http://127.0.0.1:8080/v1</c>.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Embedding model name, e.g. <c>text-embedding-3-small</c>.</summary>
    public string? Model { get; set; }

    /// <summary>Bearer key. Keep it out of appsettings.json: set the environment variable <c>Swarm__Knowledge__Embeddings__ApiKey</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Requested vector size, sent as <c>dimensions</c> when set (models that support shortening).</summary>
    public int? Dimensions { get; set; }

    /// <summary>Inputs per request. Default 64.</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>Returns an error naming the setting, or null when valid.</summary>
    public string? Validate()
    {
        if (!Enabled) return null;
        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return "Swarm:Knowledge:Embeddings:Endpoint must be an http(s) URL when embeddings are enabled.";
        if (string.IsNullOrWhiteSpace(Model)) return "Swarm:Knowledge:Embeddings:Model must name the embedding model when embeddings are enabled.";
        if (Dimensions is < 1 or > 16384) return "Swarm:Knowledge:Embeddings:Dimensions must be between 1 and 16384.";
        if (BatchSize is < 1 or > 2048) return "Swarm:Knowledge:Embeddings:BatchSize must be between 1 and 2048.";
        return null;
    }
}
