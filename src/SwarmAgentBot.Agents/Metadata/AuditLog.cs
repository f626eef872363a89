using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;

namespace SwarmAgentBot.Agents.Metadata;

/// <summary>One audit entry: who did what, to what, approved by whom.</summary>
public sealed record AuditEntry(long Seq, DateTimeOffset At, string Actor, string Action, string? Resource, string? ApprovedBy, JsonObject Details, string PrevHash, string Hash);

/// <summary>Result of checking the hash chain.</summary>
/// <param name="Ok">True when every entry's hash matches and links to the one before.</param>
/// <param name="Entries">How many entries were checked.</param>
/// <param name="FirstBadSeq">The first entry that does not match, if any.</param>
/// <param name="Message">Human-readable outcome.</param>
public sealed record AuditVerification(bool Ok, long Entries, long? FirstBadSeq, string Message);

/// <summary>
/// Append-only audit log. Each entry stores the SHA-256 of the previous entry, so editing or
/// removing an old entry breaks the chain and <see cref="VerifyAsync"/> finds it.
/// </summary>
public sealed class AuditLog(SwarmDatabase database)
{
    private const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>Appends an entry. Writers serialise on SQLite's write lock, so the chain never forks.</summary>
    public async Task<AuditEntry> AppendAsync(string actor, string action, string? resource, JsonObject? details = null, string? approvedBy = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        // BEGIN IMMEDIATE takes the write lock before reading the last hash: two processes cannot chain to the same parent.
        await connection.ExecuteAsync("BEGIN IMMEDIATE");
        try
        {
            var prev = await connection.ExecuteScalarAsync<string?>("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1") ?? Genesis;
            var at = DateTimeOffset.UtcNow;
            var detailsJson = (details ?? new JsonObject()).ToJsonString();
            var hash = Hash(prev, at.ToString("O"), actor, action, resource, approvedBy, detailsJson);
            var seq = await connection.ExecuteScalarAsync<long>(
                "INSERT INTO audit_log (at, actor, action, resource, approved_by, details_json, prev_hash, hash) VALUES (@at, @actor, @action, @resource, @approvedBy, @detailsJson, @prev, @hash); SELECT last_insert_rowid();",
                new { at = at.ToString("O"), actor, action, resource, approvedBy, detailsJson, prev, hash });
            await connection.ExecuteAsync("COMMIT");
            return new AuditEntry(seq, at, actor, action, resource, approvedBy, JsonNode.Parse(detailsJson)!.AsObject(), prev, hash);
        }
        catch
        {
            await connection.ExecuteAsync("ROLLBACK");
            throw;
        }
    }

    /// <summary>Entries, newest first, filtered by any of resource (substring), actor and action (prefix).</summary>
    public async Task<IReadOnlyList<AuditEntry>> QueryAsync(string? resource = null, string? actor = null, string? action = null, int limit = 50, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<AuditRow>(
            """
            SELECT seq, at, actor, action, resource, approved_by AS approvedBy, details_json AS detailsJson, prev_hash AS prevHash, hash
            FROM audit_log
            WHERE (@resource IS NULL OR resource LIKE '%' || @resource || '%' OR details_json LIKE '%' || @resource || '%')
              AND (@actor IS NULL OR actor = @actor OR approved_by = @actor)
              AND (@action IS NULL OR action LIKE @action || '%')
            ORDER BY seq DESC LIMIT @limit
            """, new { resource, actor, action, limit });
        return rows.Select(r => r.ToEntry()).ToList();
    }

    /// <summary>Recomputes every hash in order and checks each link.</summary>
    public async Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var prev = Genesis;
        long count = 0;
        foreach (var r in await connection.QueryAsync<AuditRow>("SELECT seq, at, actor, action, resource, approved_by AS approvedBy, details_json AS detailsJson, prev_hash AS prevHash, hash FROM audit_log ORDER BY seq"))
        {
            count++;
            if (r.PrevHash != prev)
                return new AuditVerification(false, count, r.Seq, $"Entry {r.Seq} does not link to the entry before it (an entry was removed or reordered).");
            var expected = Hash(prev, r.At, r.Actor, r.Action, r.Resource, r.ApprovedBy, r.DetailsJson);
            if (expected != r.Hash)
                return new AuditVerification(false, count, r.Seq, $"Entry {r.Seq} was changed after it was written (hash mismatch).");
            prev = r.Hash;
        }
        return new AuditVerification(true, count, null, $"Audit chain intact: {count} entries.");
    }

    private static string Hash(string prev, string at, string actor, string action, string? resource, string? approvedBy, string detailsJson)
    {
        // Length-prefixed fields: no two different entries can serialise to the same bytes.
        var sb = new StringBuilder();
        foreach (var field in new[] { prev, at, actor, action, resource ?? "", approvedBy ?? "", detailsJson })
            sb.Append(field.Length).Append(':').Append(field).Append('|');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    private sealed class AuditRow
    {
        public long Seq { get; set; }
        public string At { get; set; } = "";
        public string Actor { get; set; } = "";
        public string Action { get; set; } = "";
        public string? Resource { get; set; }
        public string? ApprovedBy { get; set; }
        public string DetailsJson { get; set; } = "{}";
        public string PrevHash { get; set; } = "";
        public string Hash { get; set; } = "";

        public AuditEntry ToEntry() => new(Seq, DateTimeOffset.Parse(At, System.Globalization.CultureInfo.InvariantCulture), Actor, Action, Resource, ApprovedBy,
            JsonNode.Parse(DetailsJson) as JsonObject ?? new JsonObject(), PrevHash, Hash);
    }
}
