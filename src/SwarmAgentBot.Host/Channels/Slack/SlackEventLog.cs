using Dapper;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Metadata;

namespace SwarmAgentBot.Host.Channels.Slack;

/// <summary>
/// Slack deliveries already taken (event ids, message timestamps, button clicks), in SQLite so a
/// restart does not run a retried event again. Slack retries an event when the first answer was
/// late or failed; the first delivery to be marked wins, every copy after it is dropped.
/// </summary>
public sealed class SlackEventLog(SwarmDatabase database, IOptions<SlackOptions> options, TimeProvider clock)
{
    /// <summary>The table this log needs.</summary>
    public static readonly IMigration Migration = new SqlMigration("0600-slack-events", """
        CREATE TABLE slack_seen_events (
          event_key TEXT PRIMARY KEY,
          seen_at TEXT NOT NULL
        );
        CREATE INDEX ix_slack_seen_events_seen_at ON slack_seen_events(seen_at);
        """);

    private long _nextPruneTicks;

    /// <summary>Marks <paramref name="key"/> as taken; false when it was taken before (a retry or duplicate).</summary>
    public async Task<bool> TryMarkAsync(string key, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        await using var connection = await database.OpenAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(
            "INSERT OR IGNORE INTO slack_seen_events (event_key, seen_at) VALUES (@key, @at)", new { key, at = now.ToString("O") });
        if (now.UtcTicks >= Interlocked.Read(ref _nextPruneTicks))
        {
            Interlocked.Exchange(ref _nextPruneTicks, (now + TimeSpan.FromHours(1)).UtcTicks);
            await connection.ExecuteAsync("DELETE FROM slack_seen_events WHERE seen_at < @cutoff",
                new { cutoff = (now - options.Value.SeenEventRetention).ToString("O") });
        }
        return inserted == 1;
    }
}
