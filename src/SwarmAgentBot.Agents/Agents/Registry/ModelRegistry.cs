using System.Globalization;
using System.Text.Json;
using Dapper;
using SwarmAgentBot.Agents.Metadata;

namespace SwarmAgentBot.Agents.Agents.Registry;

/// <summary>One registered version of a model, with its lineage (run, dataset) and test metrics.</summary>
public sealed record ModelVersion(
    string ModelName, int Version, long? RunId, string? DatasetName, int? DatasetVersion, string? DatasetSha256,
    string Task, string Metric, IReadOnlyDictionary<string, double> Metrics, string ArtifactKey, string ModelSha256,
    string CreatedBy, DateTimeOffset CreatedAt)
{
    /// <summary>The optimised test metric as text ("f1 0.842"), or just its name when it was not reported.</summary>
    public string MetricText => Metrics.TryGetValue(Metric, out var m) ? $"{Metric} {m.ToString("0.###", CultureInfo.InvariantCulture)}" : Metric;
}

/// <summary>Where an alias points.</summary>
public sealed record ModelAlias(string ModelName, string Alias, int Version, DateTimeOffset UpdatedAt, string UpdatedBy);

/// <summary>One move of an alias.</summary>
public sealed record AliasMove(long Id, string ModelName, string Alias, int? FromVersion, int ToVersion, string Kind, DateTimeOffset At, string By, string? ApprovedBy, string? ApprovalId);

/// <summary>What a new version needs.</summary>
public sealed record NewModelVersion(
    string ModelName, long? RunId, string? DatasetName, int? DatasetVersion, string? DatasetSha256,
    string Task, string Metric, IReadOnlyDictionary<string, double> Metrics, string ArtifactKey, string ModelSha256, string CreatedBy);

/// <summary>
/// The model registry: models, numbered versions and aliases as MLflow has them now (an alias such
/// as production, staging or champion points at one version). Moving an alias is one transaction
/// that also appends to its history; rollback moves it back to the version it pointed at before.
/// </summary>
/// <remarks>
/// Serving resolves an alias on every call, so <see cref="ResolveAsync"/> is kept cheap without a cache that could go
/// stale: versions are immutable once registered and are kept in memory, while the alias itself is read on every call
/// through one prepared statement on a connection kept open for it (microseconds; no pool round trip, no pragmas).
/// Reading it every time means a move by any process (the CLI approving a deployment, say) is served by the very
/// next call, and each call sees one committed state: the old version or the new one.
/// </remarks>
public sealed class ModelRegistry(SwarmDatabase database, TimeProvider clock) : IDisposable
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Model, int Version), ModelVersion> _versions = new();
    private readonly SemaphoreSlim _lookupOpen = new(1, 1);
    private CurrentVersionLookup? _lookup;

    /// <summary>Registers a new version (the next number for that model) and returns it.</summary>
    public async Task<ModelVersion> RegisterAsync(NewModelVersion v, CancellationToken cancellationToken = default)
    {
        ValidateName(v.ModelName);
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("BEGIN IMMEDIATE");
        try
        {
            var now = clock.GetUtcNow().ToString("O");
            await connection.ExecuteAsync("INSERT OR IGNORE INTO models (name, created_at, created_by) VALUES (@ModelName, @now, @CreatedBy)", new { v.ModelName, now, v.CreatedBy });
            var next = await connection.ExecuteScalarAsync<int>("SELECT COALESCE(MAX(version), 0) + 1 FROM model_versions WHERE model_name = @ModelName", new { v.ModelName });
            await InsertVersionAsync(connection, "INSERT", v, next, now);
            await connection.ExecuteAsync("COMMIT");
            return (await GetVersionAsync(v.ModelName, next, cancellationToken))!;
        }
        catch
        {
            await connection.ExecuteAsync("ROLLBACK");
            throw;
        }
    }

    /// <summary>
    /// Records a version under the number it has elsewhere (a serving pod copying the one version it serves
    /// from the bot's registry). Idempotent: importing the same version with the same artifact again is a
    /// no-op; a different artifact under that number is refused with a <see cref="RegistryException"/>.
    /// </summary>
    public async Task<ModelVersion> ImportAsync(NewModelVersion v, int version, CancellationToken cancellationToken = default)
    {
        ValidateName(v.ModelName);
        if (version < 1) throw new RegistryException($"Version {version} of {v.ModelName} is not a version number (1 or more).");
        if (await GetVersionAsync(v.ModelName, version, cancellationToken) is { } existing)
            return existing.ArtifactKey == v.ArtifactKey
                ? existing
                : throw new RegistryException($"{v.ModelName} v{version} is already registered here with artifact {existing.ArtifactKey}, not {v.ArtifactKey}.");
        await using var connection = await database.OpenAsync(cancellationToken);
        var now = clock.GetUtcNow().ToString("O");
        await connection.ExecuteAsync("INSERT OR IGNORE INTO models (name, created_at, created_by) VALUES (@ModelName, @now, @CreatedBy)", new { v.ModelName, now, v.CreatedBy });
        await InsertVersionAsync(connection, "INSERT OR IGNORE", v, version, now);
        return (await GetVersionAsync(v.ModelName, version, cancellationToken))!;
    }

    private static Task InsertVersionAsync(System.Data.Common.DbConnection connection, string insert, NewModelVersion v, int version, string now) =>
        connection.ExecuteAsync(
            insert + """
             INTO model_versions (model_name, version, run_id, dataset_name, dataset_version, dataset_sha256, task, metric, metrics_json, artifact_key, model_sha256, created_by, created_at)
            VALUES (@ModelName, @version, @RunId, @DatasetName, @DatasetVersion, @DatasetSha256, @Task, @Metric, @metrics, @ArtifactKey, @ModelSha256, @CreatedBy, @now)
            """,
            new { v.ModelName, version, v.RunId, v.DatasetName, v.DatasetVersion, v.DatasetSha256, v.Task, v.Metric, metrics = JsonSerializer.Serialize(v.Metrics), v.ArtifactKey, v.ModelSha256, v.CreatedBy, now });

    /// <summary>Model names, alphabetically.</summary>
    public async Task<IReadOnlyList<string>> ListModelsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<string>("SELECT name FROM models ORDER BY name")).ToList();
    }

    /// <summary>Versions of a model, newest first.</summary>
    public async Task<IReadOnlyList<ModelVersion>> ListVersionsAsync(string modelName, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<VersionRow>(VersionSelect + " WHERE model_name = @modelName ORDER BY version DESC", new { modelName })).Select(r => r.ToVersion()).ToList();
    }

    /// <summary>One version, or null.</summary>
    public async Task<ModelVersion?> GetVersionAsync(string modelName, int version, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<VersionRow>(VersionSelect + " WHERE model_name = @modelName AND version = @version", new { modelName, version });
        return row?.ToVersion();
    }

    /// <summary>Versions trained on a dataset (any version of it), newest first.</summary>
    public async Task<IReadOnlyList<ModelVersion>> VersionsFromDatasetAsync(string datasetName, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<VersionRow>(VersionSelect + " WHERE dataset_name = @datasetName ORDER BY created_at DESC", new { datasetName })).Select(r => r.ToVersion()).ToList();
    }

    /// <summary>Resolves "latest", a version number or an alias to a version, or null.</summary>
    public async Task<ModelVersion?> ResolveAsync(string modelName, string versionOrAlias, CancellationToken cancellationToken = default)
    {
        int? number;
        if (int.TryParse(versionOrAlias.TrimStart('v', 'V'), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) number = n;
        else
        {
            var lookup = _lookup ?? await OpenLookupAsync(cancellationToken);
            number = versionOrAlias.Equals("latest", StringComparison.OrdinalIgnoreCase) ? lookup.Latest(modelName) : lookup.AliasVersion(modelName, versionOrAlias.ToLowerInvariant());
        }
        if (number is not { } version) return null;
        if (_versions.TryGetValue((modelName, version), out var known)) return known;
        var found = await GetVersionAsync(modelName, version, cancellationToken);
        if (found is not null) _versions.TryAdd((modelName, version), found);
        return found;
    }

    private async Task<CurrentVersionLookup> OpenLookupAsync(CancellationToken cancellationToken)
    {
        await _lookupOpen.WaitAsync(cancellationToken);
        try
        {
            return _lookup ??= new CurrentVersionLookup(await database.OpenAsync(cancellationToken));
        }
        finally
        {
            _lookupOpen.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _lookup?.Dispose();

    /// <summary>Where an alias points and which version is latest, read through prepared statements on one open connection.</summary>
    private sealed class CurrentVersionLookup(Microsoft.Data.Sqlite.SqliteConnection connection) : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly Microsoft.Data.Sqlite.SqliteCommand _alias = Prepare(connection, "SELECT version FROM model_aliases WHERE model_name = $model AND alias = $alias");
        private readonly Microsoft.Data.Sqlite.SqliteCommand _latest = Prepare(connection, "SELECT MAX(version) FROM model_versions WHERE model_name = $model");

        public int? AliasVersion(string model, string alias)
        {
            lock (_gate)
            {
                _alias.Parameters[0].Value = model;
                _alias.Parameters[1].Value = alias;
                return _alias.ExecuteScalar() is long v ? (int)v : null;
            }
        }

        public int? Latest(string model)
        {
            lock (_gate)
            {
                _latest.Parameters[0].Value = model;
                return _latest.ExecuteScalar() is long v ? (int)v : null;
            }
        }

        private static Microsoft.Data.Sqlite.SqliteCommand Prepare(Microsoft.Data.Sqlite.SqliteConnection connection, string sql)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.Add("$model", Microsoft.Data.Sqlite.SqliteType.Text);
            if (sql.Contains("$alias", StringComparison.Ordinal)) command.Parameters.Add("$alias", Microsoft.Data.Sqlite.SqliteType.Text);
            command.Prepare();
            return command;
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _alias.Dispose();
                _latest.Dispose();
                connection.Dispose();
            }
        }
    }

    /// <summary>Where an alias points, or null.</summary>
    public async Task<ModelAlias?> GetAliasAsync(string modelName, string alias, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<AliasRow>(AliasSelect + " WHERE model_name = @modelName AND alias = @alias", new { modelName, alias = alias.ToLowerInvariant() });
        return row?.ToAlias();
    }

    /// <summary>All aliases (deployments), optionally of one alias name (stage) only.</summary>
    public async Task<IReadOnlyList<ModelAlias>> ListAliasesAsync(string? alias = null, string? modelName = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<AliasRow>(AliasSelect + " WHERE (@alias IS NULL OR alias = @alias) AND (@modelName IS NULL OR model_name = @modelName) ORDER BY model_name, alias",
            new { alias = alias?.ToLowerInvariant(), modelName });
        return rows.Select(r => r.ToAlias()).ToList();
    }

    /// <summary>
    /// Points an alias at a version in one transaction and records the move. Returns the move
    /// (with the version it pointed at before). Throws <see cref="RegistryException"/> for an unknown version.
    /// </summary>
    public async Task<AliasMove> SetAliasAsync(string modelName, string alias, int version, string by, string? approvedBy = null, string? approvalId = null, string kind = "deploy", CancellationToken cancellationToken = default)
    {
        alias = alias.ToLowerInvariant();
        ValidateName(alias);
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("BEGIN IMMEDIATE");
        try
        {
            var exists = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM model_versions WHERE model_name = @modelName AND version = @version", new { modelName, version });
            if (exists == 0) throw new RegistryException($"{modelName} has no version {version}.");
            var from = await connection.ExecuteScalarAsync<int?>("SELECT version FROM model_aliases WHERE model_name = @modelName AND alias = @alias", new { modelName, alias });
            var now = clock.GetUtcNow().ToString("O");
            await connection.ExecuteAsync(
                """
                INSERT INTO model_aliases (model_name, alias, version, updated_at, updated_by) VALUES (@modelName, @alias, @version, @now, @by)
                ON CONFLICT(model_name, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at, updated_by = excluded.updated_by
                """, new { modelName, alias, version, now, by });
            var id = await connection.ExecuteScalarAsync<long>(
                "INSERT INTO model_alias_history (model_name, alias, from_version, to_version, kind, at, by, approved_by, approval_id) VALUES (@modelName, @alias, @from, @version, @kind, @now, @by, @approvedBy, @approvalId); SELECT last_insert_rowid();",
                new { modelName, alias, from, version, kind, now, by, approvedBy, approvalId });
            await connection.ExecuteAsync("COMMIT");
            return new AliasMove(id, modelName, alias, from, version, kind, DateTimeOffset.Parse(now, CultureInfo.InvariantCulture), by, approvedBy, approvalId);
        }
        catch
        {
            await connection.ExecuteAsync("ROLLBACK");
            throw;
        }
    }

    /// <summary>
    /// The version a rollback of the alias would return to: the version it pointed at before its
    /// current one (the current move's from_version), or null when there is nothing to go back to.
    /// </summary>
    public async Task<int?> RollbackTargetAsync(string modelName, string alias, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int?>(
            "SELECT from_version FROM model_alias_history WHERE model_name = @modelName AND alias = @alias ORDER BY id DESC LIMIT 1",
            new { modelName, alias = alias.ToLowerInvariant() });
    }

    /// <summary>History of an alias (or all aliases of the model), newest first.</summary>
    public async Task<IReadOnlyList<AliasMove>> AliasHistoryAsync(string modelName, string? alias = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<MoveRow>(
            "SELECT id AS Id, model_name AS ModelName, alias AS Alias, from_version AS FromVersion, to_version AS ToVersion, kind AS Kind, at AS At, by AS By, approved_by AS ApprovedBy, approval_id AS ApprovalId FROM model_alias_history WHERE model_name = @modelName AND (@alias IS NULL OR alias = @alias) ORDER BY id DESC",
            new { modelName, alias = alias?.ToLowerInvariant() });
        return rows.Select(r => new AliasMove(r.Id, r.ModelName, r.Alias, r.FromVersion, r.ToVersion, r.Kind, DateTimeOffset.Parse(r.At, CultureInfo.InvariantCulture), r.By, r.ApprovedBy, r.ApprovalId)).ToList();
    }

    /// <summary>Model and alias names: letters, digits, '-', '_', '.'; 1-64 characters.</summary>
    public static void ValidateName(string name)
    {
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || name.StartsWith('.'))
            throw new RegistryException($"\"{name}\" is not a valid name: use 1-64 letters, digits, '-', '_' or '.'.");
    }

    private const string VersionSelect = """
        SELECT model_name AS ModelName, version AS Version, run_id AS RunId, dataset_name AS DatasetName, dataset_version AS DatasetVersion, dataset_sha256 AS DatasetSha256,
               task AS Task, metric AS Metric, metrics_json AS MetricsJson, artifact_key AS ArtifactKey, model_sha256 AS ModelSha256, created_by AS CreatedBy, created_at AS CreatedAt
        FROM model_versions
        """;

    private const string AliasSelect = "SELECT model_name AS ModelName, alias AS Alias, version AS Version, updated_at AS UpdatedAt, updated_by AS UpdatedBy FROM model_aliases";

    private sealed class VersionRow
    {
        public string ModelName { get; set; } = "";
        public long Version { get; set; }
        public long? RunId { get; set; }
        public string? DatasetName { get; set; }
        public long? DatasetVersion { get; set; }
        public string? DatasetSha256 { get; set; }
        public string Task { get; set; } = "";
        public string Metric { get; set; } = "";
        public string MetricsJson { get; set; } = "{}";
        public string ArtifactKey { get; set; } = "";
        public string ModelSha256 { get; set; } = "";
        public string CreatedBy { get; set; } = "";
        public string CreatedAt { get; set; } = "";

        public ModelVersion ToVersion() => new(ModelName, (int)Version, RunId, DatasetName, (int?)DatasetVersion, DatasetSha256, Task, Metric,
            JsonSerializer.Deserialize<Dictionary<string, double>>(MetricsJson) ?? new(), ArtifactKey, ModelSha256, CreatedBy, DateTimeOffset.Parse(CreatedAt, CultureInfo.InvariantCulture));
    }

    private sealed class AliasRow
    {
        public string ModelName { get; set; } = "";
        public string Alias { get; set; } = "";
        public long Version { get; set; }
        public string UpdatedAt { get; set; } = "";
        public string UpdatedBy { get; set; } = "";

        public ModelAlias ToAlias() => new(ModelName, Alias, (int)Version, DateTimeOffset.Parse(UpdatedAt, CultureInfo.InvariantCulture), UpdatedBy);
    }

    private sealed class MoveRow
    {
        public long Id { get; set; }
        public string ModelName { get; set; } = "";
        public string Alias { get; set; } = "";
        public int? FromVersion { get; set; }
        public int ToVersion { get; set; }
        public string Kind { get; set; } = "";
        public string At { get; set; } = "";
        public string By { get; set; } = "";
        public string? ApprovedBy { get; set; }
        public string? ApprovalId { get; set; }
    }
}

/// <summary>A registry rule was broken (unknown version, bad name); the message is for the user.</summary>
public sealed class RegistryException(string message) : Exception(message);
