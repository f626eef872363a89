namespace SwarmAgentBot.Agents.Metadata;

/// <summary>
/// Top-level settings (section <c>Swarm</c>). <see cref="DataDir"/> is where the embedded default
/// keeps everything: the SQLite database, the local object store, job logs.
/// </summary>
public sealed class SwarmOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Swarm";

    /// <summary>Data folder (environment <c>Swarm__DataDir</c>). Default: ./data under the working directory.</summary>
    public string DataDir { get; set; } = "data";

    /// <summary>Longest message the bot accepts, in characters; longer ones get a clear reply.</summary>
    public int MaxMessageLength { get; set; } = 4000;

    /// <summary>Public base URL of the host, used in links (charts, knowledge citations).</summary>
    public string PublicBaseUrl { get; set; } = "http://localhost:3978";

    /// <summary>The data folder as an absolute path.</summary>
    public string DataDirFullPath => Path.GetFullPath(DataDir);

    /// <summary>The SQLite database file.</summary>
    public string DatabasePath => Path.Combine(DataDirFullPath, "swarm.db");

    /// <summary>Returns an error naming the setting, or null when valid.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDir)) return "Swarm:DataDir must name a folder.";
        if (MaxMessageLength is < 10 or > 1_000_000) return "Swarm:MaxMessageLength must be between 10 and 1000000.";
        return null;
    }
}
