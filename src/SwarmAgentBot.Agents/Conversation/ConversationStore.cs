using System.Text.Json;
using Dapper;
using SwarmAgentBot.Agents.Metadata;

namespace SwarmAgentBot.Agents.Conversation;

/// <summary>What a conversation remembers between turns.</summary>
/// <param name="Reference">Where to send proactive messages.</param>
/// <param name="Memory">Last model, version, dataset, run id, ... the conversation produced or mentioned.</param>
/// <param name="History">Recent user messages, oldest first (bounded).</param>
public sealed record ConversationState(ConversationRef Reference, Dictionary<string, string> Memory, List<string> History);

/// <summary>Conversation references and memory in the metadata store (survive restarts).</summary>
public sealed class ConversationStore(SwarmDatabase database)
{
    /// <summary>How many earlier user messages are kept for context.</summary>
    public const int HistoryLength = 10;

    /// <summary>Loads the state, or a fresh one for a new conversation.</summary>
    public async Task<ConversationState> GetAsync(ConversationRef reference, CancellationToken cancellationToken = default)
    {
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

    /// <summary>Saves state (upsert), trimming history to <see cref="HistoryLength"/>.</summary>
    public async Task SaveAsync(ConversationState state, CancellationToken cancellationToken = default)
    {
        if (state.History.Count > HistoryLength) state.History.RemoveRange(0, state.History.Count - HistoryLength);
        var r = state.Reference;
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            """
            INSERT INTO conversations (conversation_key, channel_id, conversation_id, service_url, thread_id, bot_id, memory_json, history_json, updated_at)
            VALUES (@key, @ChannelId, @ConversationId, @ServiceUrl, @ThreadId, @BotId, @memory, @history, @at)
            ON CONFLICT(conversation_key) DO UPDATE SET service_url = excluded.service_url, thread_id = excluded.thread_id, bot_id = excluded.bot_id,
              memory_json = excluded.memory_json, history_json = excluded.history_json, updated_at = excluded.updated_at
            """,
            new
            {
                key = r.Key, r.ChannelId, r.ConversationId, r.ServiceUrl, r.ThreadId, r.BotId,
                memory = JsonSerializer.Serialize(state.Memory), history = JsonSerializer.Serialize(state.History),
                at = DateTimeOffset.UtcNow.ToString("O"),
            });
    }

    /// <summary>Merges remembered values into a stored conversation (used by background jobs).</summary>
    public async Task RememberAsync(ConversationRef reference, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken = default)
    {
        var state = await GetAsync(reference, cancellationToken);
        foreach (var (k, v) in values) state.Memory[k] = v;
        await SaveAsync(state, cancellationToken);
    }

    private sealed class RefRow
    {
        public string ChannelId { get; set; } = "";
        public string ConversationId { get; set; } = "";
        public string? ServiceUrl { get; set; }
        public string? ThreadId { get; set; }
        public string? BotId { get; set; }
    }
}
