using System.Runtime.CompilerServices;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SwarmAgentBot.Agents.Metadata;

/// <summary>
/// A schema change owned by one feature. Each feature registers its migrations as
/// <see cref="IMigration"/> singletons; ids are applied once each, in id order.
/// </summary>
public interface IMigration
{
    /// <summary>Unique, sortable id: "0001-core", "0100-datasets", ...</summary>
    string Id { get; }

    /// <summary>SQL to run (one or more statements).</summary>
    string Sql { get; }
}

/// <summary>A migration from constant SQL.</summary>
public sealed record SqlMigration(string Id, string Sql) : IMigration;

/// <summary>
/// The SQLite metadata database (the only metadata store; it lives in Swarm:DataDir).
/// Opens connections with WAL and a busy timeout so the host and worker processes can share it.
/// </summary>
public sealed class SwarmDatabase
{
    private readonly string _connectionString;
    private readonly IReadOnlyList<IMigration> _migrations;
    private readonly ILogger<SwarmDatabase> _logger;
    private readonly SemaphoreSlim _migrateLock = new(1, 1);
    private volatile bool _migrated;
    // Native connections already configured (weak keys: a connection the pool closes drops out).
    private readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> _configured = new();

    /// <summary>Creates the database handle; the file and schema are created on first use.</summary>
    public SwarmDatabase(IOptions<SwarmOptions> options, IEnumerable<IMigration> migrations, ILogger<SwarmDatabase> logger)
    {
        var path = options.Value.DatabasePath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            DefaultTimeout = 30,
            Pooling = true,
        }.ToString();
        _migrations = migrations.OrderBy(m => m.Id, StringComparer.Ordinal).ToList();
        _logger = logger;
        DatabasePath = path;
    }

    /// <summary>The database file.</summary>
    public string DatabasePath { get; }

    /// <summary>Opens a connection, applying pending migrations first.</summary>
    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (!_migrated) await MigrateAsync(cancellationToken);
        return await OpenRawAsync(cancellationToken);
    }

    private async Task<SqliteConnection> OpenRawAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        // These settings belong to the native connection, which the pool keeps open and hands out again:
        // set them once per native connection instead of preparing four statements on every open.
        var handle = connection.Handle!;
        if (_configured.TryAdd(handle, true))
        {
            try
            {
                await connection.ExecuteAsync("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000; PRAGMA synchronous=NORMAL;");
            }
            catch
            {
                _configured.Remove(handle);
                await connection.DisposeAsync();
                throw;
            }
        }
        return connection;
    }

    /// <summary>Applies every migration not yet applied, each in its own transaction.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await _migrateLock.WaitAsync(cancellationToken);
        try
        {
            if (_migrated) return;
            await using var connection = await OpenRawAsync(cancellationToken);
            await connection.ExecuteAsync("CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)");
            var applied = (await connection.QueryAsync<string>("SELECT id FROM schema_migrations")).ToHashSet(StringComparer.Ordinal);
            foreach (var migration in _migrations.Where(m => !applied.Contains(m.Id)))
            {
                // BEGIN IMMEDIATE: a second process migrating at the same time waits instead of failing half-way.
                await using var tx = (SqliteTransaction)await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);
                var again = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM schema_migrations WHERE id = @id", new { id = migration.Id }, tx);
                if (again > 0) { await tx.CommitAsync(cancellationToken); continue; }
                await connection.ExecuteAsync(migration.Sql, transaction: tx);
                await connection.ExecuteAsync("INSERT INTO schema_migrations (id, applied_at) VALUES (@id, @at)", new { id = migration.Id, at = DateTimeOffset.UtcNow.ToString("O") }, tx);
                await tx.CommitAsync(cancellationToken);
                _logger.LogInformation("Applied migration {MigrationId}", migration.Id);
            }
            _migrated = true;
        }
        finally
        {
            _migrateLock.Release();
        }
    }
}
