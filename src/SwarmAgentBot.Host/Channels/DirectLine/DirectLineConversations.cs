using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace SwarmAgentBot.Host.Channels.DirectLine;

/// <summary>A user activity waiting for the bot, with the bytes of any uploaded files (kept out of the replay buffer).</summary>
internal sealed record InboundActivity(JsonObject Activity, IReadOnlyList<SwarmAgentBot.Agents.Conversation.FileAttachment> Files);

/// <summary>A Direct Line token: which conversation it opens, for whom, until when.</summary>
public sealed record DirectLineToken(string Token, string ConversationId, string? UserId, DateTimeOffset ExpiresAt);

/// <summary>
/// One Direct Line conversation: an ordered, bounded replay buffer of activities (the watermark is
/// the sequence number of the last activity a client has seen) and a queue of user activities for
/// the bot, processed in order.
/// </summary>
public sealed class DirectLineConversation
{
    private readonly Lock _gate = new();
    // Seq numbers are consecutive, so an activity's index is its seq minus the first one kept.
    // Each activity is kept as its JSON, serialised once when appended: the stream sends those bytes as they are,
    // and a full buffer is a thousand flat byte arrays per conversation instead of a thousand node trees for the GC to trace.
    private readonly List<(long Seq, byte[] Json)> _activities = [];
    // Each activity is serialised into a rented buffer first, then copied to an array of its exact size on the pinned
    // object heap: the buffer keeps every activity for a long time, and on the ordinary heap each one would be copied by
    // the next gen0 and gen1 collections (the bulk of what they copy, so of their pause). The pinned heap never moves them.
    private readonly Utf8JsonWriter _writer = new(Stream.Null);
    private readonly int _capacity;
    private long _next;
    // User activities handed to the bot whose turn has not ended yet (see BeginTurn / EndTurn).
    private int _turnsInProgress;
    // Seq of the newest activity that is not a user activity waiting for its turn (a reply, a proactive message, ...).
    private long _lastOtherSeq = -1;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal DirectLineConversation(string id, int capacity)
    {
        Id = id;
        _capacity = capacity;
    }

    /// <summary>Conversation id.</summary>
    public string Id { get; }

    /// <summary>User activities waiting for the bot, in arrival order.</summary>
    internal Channel<InboundActivity> Inbox { get; } = Channel.CreateUnbounded<InboundActivity>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Appends (a snapshot of) an activity, giving it its id; returns that id.</summary>
    public string Append(JsonObject activity)
    {
        TaskCompletionSource changed;
        string id;
        lock (_gate)
        {
            id = AppendLocked(activity);
            _lastOtherSeq = _next - 1;
            changed = NextChange();
        }
        changed.TrySetResult();
        return id;
    }

    /// <summary>
    /// Appends a user activity that the bot will answer, and counts its turn as in progress until
    /// <see cref="EndTurn"/>: meanwhile the stream may hold the activity back briefly, so that it and
    /// the bot's replies reach the client in one frame.
    /// </summary>
    internal string BeginTurn(JsonObject activity)
    {
        TaskCompletionSource changed;
        string id;
        lock (_gate)
        {
            id = AppendLocked(activity);
            _turnsInProgress++;
            changed = NextChange();
        }
        changed.TrySetResult();
        return id;
    }

    /// <summary>Appends the bot's replies to one user activity, all at once, and ends that activity's turn.</summary>
    internal void EndTurn(IEnumerable<JsonObject> replies)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            foreach (var reply in replies) AppendLocked(reply);
            _lastOtherSeq = _next - 1;
            _turnsInProgress = Math.Max(0, _turnsInProgress - 1);
            changed = NextChange();
        }
        changed.TrySetResult();
    }

    // Callers hold _gate.
    private string AppendLocked(JsonObject activity)
    {
        var seq = _next++;
        var id = $"{Id}|{seq:D7}";
        activity["id"] = id;
        activity["conversation"] = new JsonObject { ["id"] = Id };
        activity["timestamp"] ??= DateTimeOffset.UtcNow.ToString("O");
        _activities.Add((seq, Serialise(activity)));
        if (_activities.Count > _capacity) _activities.RemoveRange(0, _activities.Count - _capacity);
        return id;
    }

    // Callers hold _gate; the returned source is completed once the lock is released.
    private TaskCompletionSource NextChange()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return changed;
    }

    // Callers hold _gate.
    private byte[] Serialise(JsonObject activity)
    {
        using var scratch = new PooledBufferWriter(4096);
        try
        {
            _writer.Reset(scratch);
            activity.WriteTo(_writer);
            _writer.Flush();
            var json = GC.AllocateUninitializedArray<byte>(scratch.WrittenCount, pinned: true);
            scratch.WrittenSpan.CopyTo(json);
            return json;
        }
        finally
        {
            _writer.Reset(Stream.Null); // the writer must not point at the buffer once it is back in the pool
        }
    }

    /// <summary>Activities after the watermark (all when null) and the new watermark.</summary>
    public (IReadOnlyList<JsonObject> Activities, long Watermark) Since(long? watermark)
    {
        lock (_gate)
        {
            var list = new List<JsonObject>();
            for (var i = FirstIndexAfter(watermark); i < _activities.Count; i++) list.Add(JsonNode.Parse(_activities[i].Json)!.AsObject());
            return (list, _next - 1);
        }
    }

    /// <summary>
    /// The JSON of the activities after the watermark (all when null), the new watermark, and whether
    /// the bot is still answering and everything after the watermark is user activities waiting for their
    /// replies (nothing else to deliver yet); and a task that completes at the first append after this snapshot.
    /// Taken under one lock: a change captured before the snapshot may already have fired for an activity the
    /// snapshot holds, and a wait on it would end at once (the stream then sent a user's echo without its reply).
    /// </summary>
    internal (IReadOnlyList<byte[]> Activities, long Watermark, bool Answering, Task Changed) JsonSince(long? watermark)
    {
        lock (_gate)
        {
            var start = FirstIndexAfter(watermark);
            var list = new byte[_activities.Count - start][];
            for (var i = start; i < _activities.Count; i++) list[i - start] = _activities[i].Json;
            return (list, _next - 1, _turnsInProgress > 0 && _lastOtherSeq <= (watermark ?? -1), _changed.Task);
        }
    }

    // Callers hold _gate.
    private int FirstIndexAfter(long? watermark)
    {
        if (_activities.Count == 0) return 0;
        var index = (watermark ?? -1) + 1 - _activities[0].Seq;
        return (int)Math.Clamp(index, 0, _activities.Count);
    }
}

/// <summary>Conversations and tokens of the Direct Line subset (in memory: clients re-fetch a token after a restart).</summary>
public sealed class DirectLineConversations(IOptions<DirectLineOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, DirectLineConversation> _conversations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DirectLineToken> _tokens = new(StringComparer.Ordinal);

    /// <summary>Raised once when a conversation is created (the bot starts its reader).</summary>
    public event Action<DirectLineConversation>? Created;

    /// <summary>A new conversation with a fresh id.</summary>
    public DirectLineConversation Create() => GetOrCreate(NewId(18));

    /// <summary>The conversation with this id, created if unknown.</summary>
    public DirectLineConversation GetOrCreate(string id)
    {
        var created = false;
        var conversation = _conversations.GetOrAdd(id, key => { created = true; return new DirectLineConversation(key, options.Value.MaxActivitiesPerConversation); });
        if (created) Created?.Invoke(conversation);
        return conversation;
    }

    /// <summary>The conversation with this id, or null.</summary>
    public DirectLineConversation? Find(string id) => _conversations.TryGetValue(id, out var c) ? c : null;

    /// <summary>Issues a token for one conversation (and optionally one user).</summary>
    public DirectLineToken IssueToken(string conversationId, string? userId)
    {
        var token = new DirectLineToken(NewId(48), conversationId, userId, clock.GetUtcNow() + options.Value.TokenLifetime);
        _tokens[token.Token] = token;
        return token;
    }

    /// <summary>The valid (unexpired) token, or null.</summary>
    public DirectLineToken? Validate(string? token)
    {
        if (string.IsNullOrEmpty(token) || !_tokens.TryGetValue(token, out var info)) return null;
        if (info.ExpiresAt <= clock.GetUtcNow())
        {
            _tokens.TryRemove(token, out _);
            return null;
        }
        return info;
    }

    /// <summary>Replaces a valid token with a new one for the same conversation and user.</summary>
    public DirectLineToken? Refresh(string token)
    {
        var info = Validate(token);
        if (info is null) return null;
        _tokens.TryRemove(token, out _);
        return IssueToken(info.ConversationId, info.UserId);
    }

    private static string NewId(int bytes) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
