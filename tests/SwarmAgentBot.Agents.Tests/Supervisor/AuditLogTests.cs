using Dapper;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Tests.Support;

namespace SwarmAgentBot.Agents.Tests.Supervisor;

public sealed class AuditLogTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task AnIntactChainVerifies()
    {
        var log = new AuditLog(_db.Database);
        for (var i = 0; i < 5; i++) await log.AppendAsync("alice", "storage.upload_dataset", "dataset:d" + i);
        var result = await log.VerifyAsync();
        Assert.True(result.Ok, result.Message);
        Assert.Equal(5, result.Entries);
    }

    [Fact]
    public async Task EditingAnOldEntryBreaksTheChain()
    {
        var log = new AuditLog(_db.Database);
        for (var i = 0; i < 4; i++) await log.AppendAsync("alice", "registry.deploy_model", "model:m" + i);

        await using (var c = await _db.Database.OpenAsync())
        {
            // Someone with file access drops the guard and rewrites history.
            await c.ExecuteAsync("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE seq = 2");
        }
        var result = await log.VerifyAsync();
        Assert.False(result.Ok);
        Assert.Equal(2, result.FirstBadSeq);
    }

    [Fact]
    public async Task TheLogRefusesUpdatesAndDeletes()
    {
        var log = new AuditLog(_db.Database);
        await log.AppendAsync("alice", "x", null);
        await using var c = await _db.Database.OpenAsync();
        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => c.ExecuteAsync("DELETE FROM audit_log"));
        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => c.ExecuteAsync("UPDATE audit_log SET actor = 'x'"));
    }

    [Fact]
    public async Task ConcurrentAppendsKeepOneChain()
    {
        var log = new AuditLog(_db.Database);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => log.AppendAsync("u" + i, "a", null))));
        var result = await log.VerifyAsync();
        Assert.True(result.Ok, result.Message);
        Assert.Equal(20, result.Entries);
    }
}
