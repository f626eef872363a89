using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Tests.Support;

namespace SwarmAgentBot.Agents.Tests.Conversations;

public sealed class ConversationStoreTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    // What a restarted host sees: a new database handle on the same folder, no pooled connections.
    private ConversationStore Restarted()
    {
        SqliteConnection.ClearAllPools();
        return new ConversationStore(new SwarmDatabase(_db.Options, CoreMigrations.All, NullLogger<SwarmDatabase>.Instance));
    }

    private static ConversationState State(string id, string remembered, params string[] history) =>
        new(new ConversationRef("directline", id, BotId: "swarm-bot"), new Dictionary<string, string> { ["model"] = remembered }, history.ToList());

    [Fact]
    public async Task EverySaveOfManyConcurrentConversationsIsCommittedWhenItReturns()
    {
        await using var store = new ConversationStore(_db.Database);
        await Task.WhenAll(Enumerable.Range(0, 60).Select(i => Task.Run(() => store.SaveAsync(State("c" + i, "model-" + i, "help", "message " + i)))));

        var after = Restarted();
        for (var i = 0; i < 60; i++)
        {
            var state = await after.GetAsync(new ConversationRef("directline", "c" + i));
            Assert.Equal("model-" + i, state.Memory["model"]);
            Assert.Equal(["help", "message " + i], state.History);
        }
        Assert.Equal("swarm-bot", (await after.FindReferenceAsync("directline:c7"))?.BotId);
    }

    [Fact]
    public async Task SavesOfOneConversationLandInTheOrderTheyWereMade()
    {
        await using var store = new ConversationStore(_db.Database);
        // Not awaited one by one: all are queued together, and the last one made must win.
        var saves = Enumerable.Range(0, 30).Select(i => store.SaveAsync(State("same", "v" + i))).ToList();
        await Task.WhenAll(saves);

        Assert.Equal("v29", (await Restarted().GetAsync(new ConversationRef("directline", "same"))).Memory["model"]);
    }

    [Fact]
    public async Task SavesHandedOverBeforeShutdownAreCommittedByDispose()
    {
        var store = new ConversationStore(_db.Database);
        var pending = Enumerable.Range(0, 20).Select(i => store.SaveAsync(State("s" + i, "kept-" + i))).ToList();
        await store.DisposeAsync();
        await Task.WhenAll(pending);
        // A late save (a reader finishing its turn while the host stops) still commits, on its own.
        await store.SaveAsync(State("late", "kept-late"));

        var after = Restarted();
        for (var i = 0; i < 20; i++) Assert.Equal("kept-" + i, (await after.GetAsync(new ConversationRef("directline", "s" + i))).Memory["model"]);
        Assert.Equal("kept-late", (await after.GetAsync(new ConversationRef("directline", "late"))).Memory["model"]);
    }

    [Fact]
    public async Task ASynchronousDisposeAlsoCommitsWhatWasHandedOver()
    {
        var store = new ConversationStore(_db.Database);
        var pending = Enumerable.Range(0, 10).Select(i => store.SaveAsync(State("d" + i, "kept-" + i))).ToList();
        store.Dispose();

        Assert.All(pending, p => Assert.True(p.IsCompletedSuccessfully));
        var after = Restarted();
        for (var i = 0; i < 10; i++) Assert.Equal("kept-" + i, (await after.GetAsync(new ConversationRef("directline", "d" + i))).Memory["model"]);
    }

    [Fact]
    public async Task ASaveThatCannotBeStoredFailsAloneAndItsNeighboursAreKept()
    {
        await using var store = new ConversationStore(_db.Database);
        var good = Enumerable.Range(0, 10).Select(i => store.SaveAsync(State("g" + i, "ok-" + i))).ToList();
        // channel_id is NOT NULL: this one is rejected by the database.
        var bad = store.SaveAsync(new ConversationState(new ConversationRef(null!, "broken"), new(), []));
        good.AddRange(Enumerable.Range(10, 10).Select(i => store.SaveAsync(State("g" + i, "ok-" + i))));

        await Assert.ThrowsAsync<SqliteException>(() => bad);
        await Task.WhenAll(good);
        var after = Restarted();
        for (var i = 0; i < 20; i++) Assert.Equal("ok-" + i, (await after.GetAsync(new ConversationRef("directline", "g" + i))).Memory["model"]);
    }

    [Fact]
    public async Task HistoryIsTrimmedToTheMostRecentMessages()
    {
        await using var store = new ConversationStore(_db.Database);
        var state = State("long", "m", Enumerable.Range(0, 25).Select(i => "message " + i).ToArray());
        await store.SaveAsync(state);

        var history = (await Restarted().GetAsync(new ConversationRef("directline", "long"))).History;
        Assert.Equal(ConversationStore.HistoryLength, history.Count);
        Assert.Equal("message 24", history[^1]);
    }

    [Fact]
    public async Task StateServedFromMemorySurvivesARestart()
    {
        await using var store = new ConversationStore(_db.Database);
        var conversation = new ConversationRef("directline", "live", BotId: "swarm-bot");
        await store.SaveAsync(State("live", "churn-model", "train a churn model"));
        // The next turns read what the turn before saved (from memory) and save on top of it.
        var turn = await store.GetAsync(conversation);
        turn.Memory["version"] = "3";
        turn.History.Add("deploy it");
        await store.SaveAsync(turn);
        turn = await store.GetAsync(conversation);
        Assert.Equal("3", turn.Memory["version"]);

        var after = await Restarted().GetAsync(conversation);
        Assert.Equal("churn-model", after.Memory["model"]);
        Assert.Equal("3", after.Memory["version"]);
        Assert.Equal(["train a churn model", "deploy it"], after.History);
    }

    [Fact]
    public async Task ChangesToAStateObjectReachTheConversationOnlyWhenSaved()
    {
        await using var store = new ConversationStore(_db.Database);
        var conversation = new ConversationRef("directline", "copies");
        var saved = State("copies", "kept");
        await store.SaveAsync(saved);
        saved.Memory["model"] = "changed after saving";

        var first = await store.GetAsync(conversation);
        first.Memory["model"] = "changed, never saved";
        first.History.Add("never saved");

        var second = await store.GetAsync(conversation);
        Assert.Equal("kept", second.Memory["model"]);
        Assert.Empty(second.History);
    }

    [Fact]
    public async Task AfterASaveFailsTheConversationReadsAsTheDatabaseHasIt()
    {
        await using var store = new ConversationStore(_db.Database);
        var broken = new ConversationRef(null!, "broken");
        // channel_id is NOT NULL: the database rejects this save, so nothing of it may be served from memory either.
        await Assert.ThrowsAsync<SqliteException>(() => store.SaveAsync(new ConversationState(broken, new() { ["model"] = "lost" }, ["lost"])));

        var state = await store.GetAsync(broken);
        Assert.Empty(state.Memory);
        Assert.Empty(state.History);
    }
}
