using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Metadata;

namespace SwarmAgentBot.Agents.Tests.Support;

/// <summary>A fresh data folder with a migrated SQLite database, removed at dispose.</summary>
public sealed class TestDatabase : IDisposable
{
    /// <summary>Creates the folder and the database handle with the core and any extra migrations.</summary>
    public TestDatabase(params IMigration[] extra)
    {
        DataDir = Path.Combine(Path.GetTempPath(), "swarm-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(DataDir);
        Options = Microsoft.Extensions.Options.Options.Create(new SwarmOptions { DataDir = DataDir });
        Database = new SwarmDatabase(Options, CoreMigrations.All.Concat(extra), NullLogger<SwarmDatabase>.Instance);
    }

    /// <summary>The data folder.</summary>
    public string DataDir { get; }

    /// <summary>Options pointing at the folder.</summary>
    public IOptions<SwarmOptions> Options { get; }

    /// <summary>The database.</summary>
    public SwarmDatabase Database { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
