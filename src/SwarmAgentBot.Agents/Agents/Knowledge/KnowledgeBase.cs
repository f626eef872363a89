using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SwarmAgentBot.Agents.Agents.Knowledge;

/// <summary>
/// The configured knowledge base: the folder from <c>Swarm:Knowledge:Path</c>, its index, and whether
/// it could be indexed. A missing or unreadable folder is logged once and leaves the bot running;
/// the knowledge agent then says the knowledge base is not available.
/// </summary>
public sealed class KnowledgeBase(KnowledgeIndex index, IOptions<KnowledgeOptions> options, ILogger<KnowledgeBase> logger)
{
    private readonly TaskCompletionSource _firstRun = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The index.</summary>
    public KnowledgeIndex Index => index;

    /// <summary>Settings in use.</summary>
    public KnowledgeOptions Options => options.Value;

    /// <summary>The folder indexed, as an absolute path.</summary>
    public string Folder => options.Value.FolderFullPath;

    /// <summary>Why the knowledge base cannot be used, or null when it can.</summary>
    public string? UnavailableReason { get; private set; }

    /// <summary>What the last indexing run did.</summary>
    public KnowledgeIndexReport? LastReport { get; private set; }

    /// <summary>True once the first indexing run has finished (successfully or not).</summary>
    public bool FirstRunDone => _firstRun.Task.IsCompleted;

    /// <summary>Indexes the configured folder (changed files only). Never throws (except on cancellation): a failure is logged and kept in <see cref="UnavailableReason"/>.</summary>
    public async Task<KnowledgeIndexReport?> RefreshAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            if (!Directory.Exists(Folder))
            {
                UnavailableReason = $"the knowledge folder {Folder} does not exist (setting Swarm:Knowledge:Path)";
                logger.LogError("Knowledge base not available: the folder {Folder} does not exist. Set Swarm:Knowledge:Path to a folder of Markdown documents; the bot runs without it", Folder);
                return null;
            }
            LastReport = await index.IndexFolderAsync(Folder, cancellationToken);
            UnavailableReason = null;
            return LastReport;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            UnavailableReason = $"the knowledge folder {Folder} could not be indexed ({ex.Message})";
            logger.LogError(ex, "Knowledge base not available: indexing {Folder} into {Database} failed", Folder, index.DatabasePath);
            return null;
        }
        finally
        {
            _firstRun.TrySetResult();
        }
    }

    /// <summary>Waits (at most <paramref name="timeout"/>) for the first indexing run, so the first question after start-up sees the documents.</summary>
    public async Task WaitForFirstRunAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        try { await _firstRun.Task.WaitAsync(timeout, cancellationToken); }
        catch (TimeoutException) { /* answer from what is indexed so far */ }
    }
}

/// <summary>Indexes the knowledge folder in the background when the host starts (start-up is not held up).</summary>
public sealed class KnowledgeIndexingService(KnowledgeBase knowledge) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await knowledge.RefreshAsync(stoppingToken);
    }
}
