using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using SwarmAgentBot.Agents.Metadata;

namespace SwarmAgentBot.Agents.Agents.Registry;

/// <summary>One logged prediction (what the drift agent compares with the reference).</summary>
public sealed record LoggedPrediction(string Id, string ModelName, int Version, string? Alias, JsonObject Features, JsonObject Prediction, DateTimeOffset CreatedAt, JsonNode? Label, DateTimeOffset? LabelledAt);

/// <summary>
/// Every served prediction with its features, model version and time; true labels arrive later
/// by prediction id (feedback). The drift agent reads windows of it.
/// </summary>
public sealed class PredictionLog(SwarmDatabase database, TimeProvider clock)
{
    /// <summary>Appends a batch of predictions in one transaction; returns their ids in order.</summary>
    public async Task<IReadOnlyList<string>> AppendAsync(string modelName, int version, string? alias, IReadOnlyList<(JsonObject Features, JsonObject Prediction)> rows, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().ToString("O");
        var ids = rows.Select(_ => "p-" + Guid.NewGuid().ToString("N")[..20]).ToList();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = (Microsoft.Data.Sqlite.SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        // One prepared statement for the whole batch: a 10,000-row batch is one transaction, not 10,000 parses.
        await using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = "INSERT INTO prediction_log (id, model_name, version, alias, features_json, prediction_json, created_at) VALUES ($id, $model, $version, $alias, $f, $p, $now)";
        var id = insert.Parameters.Add("$id", Microsoft.Data.Sqlite.SqliteType.Text);
        insert.Parameters.AddWithValue("$model", modelName);
        insert.Parameters.AddWithValue("$version", version);
        insert.Parameters.AddWithValue("$alias", (object?)alias ?? DBNull.Value);
        var features = insert.Parameters.Add("$f", Microsoft.Data.Sqlite.SqliteType.Text);
        var prediction = insert.Parameters.Add("$p", Microsoft.Data.Sqlite.SqliteType.Text);
        insert.Parameters.AddWithValue("$now", now);
        insert.Prepare();
        for (var i = 0; i < rows.Count; i++)
        {
            id.Value = ids[i];
            features.Value = rows[i].Features.ToJsonString();
            prediction.Value = rows[i].Prediction.ToJsonString();
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
        return ids;
    }

    /// <summary>Attaches a true label to a logged prediction of the model; false when no such prediction exists.</summary>
    public async Task<bool> AttachLabelAsync(string modelName, string predictionId, JsonNode label, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var n = await connection.ExecuteAsync("UPDATE prediction_log SET label_json = @label, labelled_at = @now WHERE id = @predictionId AND model_name = @modelName",
            new { modelName, predictionId, label = label.ToJsonString(), now = clock.GetUtcNow().ToString("O") });
        return n == 1;
    }

    /// <summary>The most recent predictions of a model (newest last), optionally since a time.</summary>
    public async Task<IReadOnlyList<LoggedPrediction>> RecentAsync(string modelName, int limit, DateTimeOffset? since = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(
            """
            SELECT id AS Id, model_name AS ModelName, version AS Version, alias AS Alias, features_json AS FeaturesJson, prediction_json AS PredictionJson,
                   created_at AS CreatedAt, label_json AS LabelJson, labelled_at AS LabelledAt
            FROM prediction_log WHERE model_name = @modelName AND (@since IS NULL OR created_at >= @since)
            ORDER BY created_at DESC, rowid DESC LIMIT @limit
            """, new { modelName, limit, since = since?.ToString("O") });
        return rows.Select(r => r.ToPrediction()).Reverse().ToList();
    }

    /// <summary>How many predictions a model has served.</summary>
    public async Task<long> CountAsync(string modelName, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM prediction_log WHERE model_name = @modelName", new { modelName });
    }

    private sealed class Row
    {
        public string Id { get; set; } = "";
        public string ModelName { get; set; } = "";
        public long Version { get; set; }
        public string? Alias { get; set; }
        public string FeaturesJson { get; set; } = "{}";
        public string PredictionJson { get; set; } = "{}";
        public string CreatedAt { get; set; } = "";
        public string? LabelJson { get; set; }
        public string? LabelledAt { get; set; }

        public LoggedPrediction ToPrediction() => new(Id, ModelName, (int)Version, Alias, JsonNode.Parse(FeaturesJson)!.AsObject(), JsonNode.Parse(PredictionJson)!.AsObject(),
            DateTimeOffset.Parse(CreatedAt, CultureInfo.InvariantCulture), LabelJson is null ? null : JsonNode.Parse(LabelJson),
            LabelledAt is null ? null : DateTimeOffset.Parse(LabelledAt, CultureInfo.InvariantCulture));
    }
}
