using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Dapper;
using SwarmAgentBot.Agents.Metadata;

namespace SwarmAgentBot.Agents.Conversation;

/// <summary>What a conversation remembers between turns.</summary>
/// <param name="Reference">Where to send proactive messages.</param>
/// <param name="Memory">Last model, version, dataset, run id, ... the conversation produced or mentioned.</param>
/// <param name="History">Recent user messages, oldest first (bounded).</param>
public sealed record ConversationState(ConversationRef Reference, Dictionary<string, string> Memory, List<string> History);

/// <summary>
/// Conversation references and memory in the metadata store (survive restarts).
/// Saves are group-committed: concurrent saves wait for one writer that commits them together
/// in one transaction, so conversations never queue on SQLite's write lock (whose busy wait
/// sleeps whole milliseconds) and each save costs one statement, not one transaction.
/// A save returns only once its transaction has committed, as before.
/// Live conversations are also kept in memory (write-through): a conversation's next message reads
/// its state from there instead of from SQLite. This process is the only writer of the conversations it
/// serves (one host per data folder; the CLI's conversations are its own), so the copy in memory is
/// what the database holds once the pending saves have committed. Idle conversations fall out of memory
/// and are read again from the database, as after a restart.
/// </summary>
public sealed class ConversationStore(SwarmDatabase database) : IAsyncDisposable, IDisposable
{
    /// <summary>How many earlier user messages are kept for context.</summary>
    public const int HistoryLength = 10;

    // Enough to drain a burst from every active conversation in one commit while keeping one transaction short.
    private const int MaxBatch = 128;

    private const string UpsertSql =
        """
        INSERT INTO conversations (conversation_key, channel_id, conversation_id, service_url, thread_id, bot_id, memory_json, history_json, updated_at)
        VALUES (@key, @channel, @conversation, @serviceUrl, @thread, @bot, @memory, @history, @at)
        ON CONFLICT(conversation_key) DO UPDATE SET service_url = excluded.service_url, thread_id = excluded.thread_id, bot_id = excluded.bot_id,
          memory_json = excluded.memory_json, history_json = excluded.history_json, updated_at = excluded.updated_at
        """;

    /// <summary>Most conversations kept in memory; past this the least recently used tenth is dropped.</summary>
    public const int MaxLiveConversations = 10_000;

    private readonly Channel<PendingSave> _pending = Channel.CreateUnbounded<PendingSave>(new UnboundedChannelOptions { SingleReader = true });
    // What each live conversation last saved, as immutable copies (callers own and change the state objects they get).
    private readonly ConcurrentDictionary<string, LiveState> _live = new(StringComparer.Ordinal);
    // Orders the memory update with the hand-over to the writer, so the copy in memory is the last save queued.
    private readonly Lock _saveGate = new();
    private long _uses;
    private readonly Lock _writerGate = new();
    private Task? _writer;

    /// <summary>Loads the state, or a fresh one for a new conversation.</summary>
    public async Task<ConversationState> GetAsync(ConversationRef reference, CancellationToken cancellationToken = default)
    {
        if (_live.TryGetValue(reference.Key, out var live))
        {
            live.LastUse = Interlocked.Increment(ref _uses);
            return new ConversationState(reference, new Dictionary<string, string>(live.Memory), [.. live.History]);
        }
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(string memory, string history)?>(
            "SELECT memory_json, history_json FROM conversations WHERE conversation_key = @key", new { key = reference.Key });
        if (row is null) return new ConversationState(reference, new(), new());
        return new ConversationState(reference,
            JsonSerializer.Deserialize<Dictionary<string, string>>(row.Value.memory) ?? new(),
            JsonSerializer.Deserialize<List<string>>(row.Value.history) ?? new());
    }

    /// <summary>Loads a stored reference by key ("channel:conversation"), or null.</summary>
    public async Task<ConversationRef?> FindReferenceAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<RefRow>(
            "SELECT channel_id AS ChannelId, conversation_id AS ConversationId, service_url AS ServiceUrl, thread_id AS ThreadId, bot_id AS BotId FROM conversations WHERE conversation_key = @key", new { key });
        return row is null ? null : new ConversationRef(row.ChannelId, row.ConversationId, row.ServiceUrl, row.ThreadId, row.BotId);
    }

    /// <summary>Saves state (upsert), trimming history to <see cref="HistoryLength"/>; returns once it is committed.</summary>
    public Task SaveAsync(ConversationState state, CancellationToken cancellationToken = default)
    {
        if (state.History.Count > HistoryLength) state.History.RemoveRange(0, state.History.Count - HistoryLength);
        // Serialised and copied now, on the caller's turn: the caller may change its state object as soon as this returns.
        var save = new PendingSave(state.Reference, JsonSerializer.Serialize(state.Memory), JsonSerializer.Serialize(state.History),
            DateTimeOffset.UtcNow.ToString("O"), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var live = new LiveState(state.Memory.ToArray(), state.History.ToArray()) { LastUse = Interlocked.Increment(ref _uses) };
        bool queued;
        lock (_saveGate)
        {
            _live[state.Reference.Key] = live;
            queued = _pending.Writer.TryWrite(save);
        }
        if (_live.Count > MaxLiveConversations) DropLeastRecentlyUsed();
        if (!queued)
            return WriteDirectlyAsync(save, cancellationToken); // disposed (host stopping): no writer left, commit directly
        EnsureWriter();
        return cancellationToken.CanBeCanceled ? save.Committed.Task.WaitAsync(cancellationToken) : save.Committed.Task;
    }

    private async Task WriteDirectlyAsync(PendingSave save, CancellationToken cancellationToken)
    {
        try
        {
            await WriteAsync([save], cancellationToken);
        }
        catch
        {
            Forget(save);
            throw;
        }
    }

    // A save that did not commit leaves the database as it was: read the conversation from there again.
    private void Forget(PendingSave save)
    {
        lock (_saveGate) _live.TryRemove(save.Reference.Key, out _);
    }

    private void DropLeastRecentlyUsed()
    {
        lock (_saveGate)
        {
            if (_live.Count <= MaxLiveConversations) return;
            foreach (var (key, _) in _live.OrderBy(e => e.Value.LastUse).Take(_live.Count - MaxLiveConversations * 9 / 10).ToList())
                _live.TryRemove(key, out _);
        }
    }

    /// <summary>Commits every save already handed over, then stops the writer.</summary>
    public async ValueTask DisposeAsync()
    {
        if (StopWriter() is { } writer) await writer;
    }

    /// <summary>Commits every save already handed over, then stops the writer (for containers disposed synchronously).</summary>
    public void Dispose() => StopWriter()?.GetAwaiter().GetResult();

    private Task? StopWriter()
    {
        _pending.Writer.TryComplete();
        lock (_writerGate) return _writer;
    }

    /// <summary>Merges remembered values into a stored conversation (used by background jobs).</summary>
    public async Task RememberAsync(ConversationRef reference, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken = default)
    {
        var state = await GetAsync(reference, cancellationToken);
        foreach (var (k, v) in values) state.Memory[k] = v;
        await SaveAsync(state, cancellationToken);
    }

    private void EnsureWriter()
    {
        if (Volatile.Read(ref _writer) is not null) return;
        lock (_writerGate) _writer ??= Task.Run(WriteLoopAsync);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingSave>(MaxBatch);
        while (await _pending.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var save)) batch.Add(save);
            try
            {
                await WriteAsync(batch, CancellationToken.None);
                foreach (var save in batch) save.Committed.TrySetResult();
            }
            catch (Exception) when (batch.Count > 1)
            {
                // One bad save must not fail its neighbours: retry each on its own so each caller gets its own outcome.
                foreach (var save in batch) await WriteAloneAsync(save);
            }
            catch (Exception ex)
            {
                Forget(batch[0]);
                batch[0].Committed.TrySetException(ex);
            }
        }
    }

    private async Task WriteAloneAsync(PendingSave save)
    {
        try
        {
            await WriteAsync([save], CancellationToken.None);
            save.Committed.TrySetResult();
        }
        catch (Exception ex)
        {
            Forget(save);
            save.Committed.TrySetException(ex);
        }
    }

    private async Task WriteAsync(IReadOnlyList<PendingSave> saves, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = UpsertSql;
        var parameters = new[] { "@key", "@channel", "@conversation", "@serviceUrl", "@thread", "@bot", "@memory", "@history", "@at" }
            .Select(name => command.Parameters.Add(name, SqliteType.Text)).ToArray();
        foreach (var save in saves)
        {
            var r = save.Reference;
            object?[] values = [r.Key, r.ChannelId, r.ConversationId, r.ServiceUrl, r.ThreadId, r.BotId, save.Memory, save.History, save.At];
            for (var i = 0; i < values.Length; i++) parameters[i].Value = values[i] ?? DBNull.Value;
            // The statement is prepared once for the whole batch and re-bound for each save.
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private sealed record LiveState(KeyValuePair<string, string>[] Memory, string[] History)
    {
        public long LastUse { get; set; }
    }

    private sealed record PendingSave(ConversationRef Reference, string Memory, string History, string At, TaskCompletionSource Committed);

    private sealed class RefRow
    {
        public string ChannelId { get; set; } = "";
        public string ConversationId { get; set; } = "";
        public string? ServiceUrl { get; set; }
        public string? ThreadId { get; set; }
        public string? BotId { get; set; }
    }
}
