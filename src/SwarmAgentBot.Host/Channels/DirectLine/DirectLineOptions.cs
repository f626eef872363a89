namespace SwarmAgentBot.Host.Channels.DirectLine;

/// <summary>Settings of the built-in Direct Line 3.0 subset (section <c>Swarm:Channels:DirectLine</c>).</summary>
public sealed class DirectLineOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Swarm:Channels:DirectLine";

    /// <summary>
    /// Direct Line secret. When set, /v3/directline/tokens/generate and starting a conversation
    /// without a token require it as a bearer token. Empty (the embedded default): anyone on the
    /// host's address may get a token, which suits a laptop and nothing else.
    /// </summary>
    public string? Secret { get; set; }

    /// <summary>How long a token is valid; refresh extends it.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Most activities kept per conversation (older ones are dropped from the replay buffer).</summary>
    public int MaxActivitiesPerConversation { get; set; } = 1000;

    /// <summary>Largest request body accepted on the activity endpoints, in bytes (uploads have their own limit).</summary>
    public int MaxActivityBytes { get; set; } = 256 * 1024;

    /// <summary>Largest upload (all files together), in bytes.</summary>
    public long MaxUploadBytes { get; set; } = 100L * 1024 * 1024;

    /// <summary>
    /// Longest the websocket stream holds a user's own activity (the echo web chat waits for) while the bot
    /// answers it, so that the echo and the replies go out as one activity set: one frame per round trip
    /// instead of two. Zero sends every activity as soon as it is appended.
    /// </summary>
    public TimeSpan EchoHold { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Returns an error naming the setting, or null when valid.</summary>
    public string? Validate() =>
        TokenLifetime < TimeSpan.FromMinutes(1) ? "Swarm:Channels:DirectLine:TokenLifetime must be at least one minute." :
        MaxActivitiesPerConversation < 10 ? "Swarm:Channels:DirectLine:MaxActivitiesPerConversation must be at least 10." :
        EchoHold < TimeSpan.Zero || EchoHold > TimeSpan.FromSeconds(30) ? "Swarm:Channels:DirectLine:EchoHold must be between 0 and 30 seconds." : null;
}
