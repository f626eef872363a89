using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Host.Channels.DirectLine;

namespace SwarmAgentBot.Host.Tests.DirectLine;

public sealed class DirectLineReplayBufferTests
{
    private static DirectLineConversation Conversation(int capacity, int appended)
    {
        var conversations = new DirectLineConversations(Options.Create(new DirectLineOptions { MaxActivitiesPerConversation = capacity }), TimeProvider.System);
        var conversation = conversations.Create();
        for (var i = 0; i < appended; i++) conversation.Append(new JsonObject { ["type"] = "message", ["text"] = "m" + i });
        return conversation;
    }

    private static string[] Texts(IEnumerable<JsonObject> activities) => activities.Select(a => a["text"]!.ToString()).ToArray();

    private static string[] Texts(IEnumerable<byte[]> json) => json.Select(b => JsonNode.Parse(b)!["text"]!.ToString()).ToArray();

    [Fact]
    public void AClientGetsOnlyTheActivitiesAfterItsWatermark()
    {
        var conversation = Conversation(capacity: 100, appended: 5);

        var (all, mark) = conversation.Since(null);
        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], Texts(all));
        Assert.Equal(4, mark);
        Assert.Equal(["m3", "m4"], Texts(conversation.Since(2).Activities));
        Assert.Empty(conversation.Since(4).Activities);
    }

    [Fact]
    public void WhenTheBufferIsFullTheOldestActivitiesAreDroppedAndWatermarksStillPointRight()
    {
        var conversation = Conversation(capacity: 10, appended: 25);

        Assert.Equal(Enumerable.Range(15, 10).Select(i => "m" + i), Texts(conversation.Since(null).Activities));
        Assert.Equal(["m21", "m22", "m23", "m24"], Texts(conversation.Since(20).Activities));
        // A client whose watermark is older than what is kept gets everything still kept.
        Assert.Equal(10, conversation.Since(3).Activities.Count);
        Assert.Equal(24, conversation.Since(3).Watermark);
        Assert.Empty(conversation.Since(24).Activities);
    }

    [Fact]
    public void TheStreamSendsTheSameActivitiesAsThePollingEndpoint()
    {
        var conversation = Conversation(capacity: 10, appended: 13);

        foreach (long? mark in new long?[] { null, 1, 5, 9, 12 })
        {
            var (polled, polledMark) = conversation.Since(mark);
            var (streamed, streamedMark, _, _) = conversation.JsonSince(mark);
            Assert.Equal(Texts(polled), Texts(streamed));
            Assert.Equal(polledMark, streamedMark);
            Assert.Equal(polled.Select(a => a.ToJsonString()), streamed.Select(b => JsonNode.Parse(b)!.ToJsonString()));
        }
    }

    [Fact]
    public void AUsersActivityIsHeldForItsRepliesUntilTheBotEndsTheTurn()
    {
        var conversation = Conversation(capacity: 100, appended: 0);
        conversation.BeginTurn(new JsonObject { ["type"] = "message", ["text"] = "help" });
        Assert.True(conversation.JsonSince(null).Answering);

        conversation.EndTurn([new JsonObject { ["type"] = "message", ["text"] = "first reply" }, new JsonObject { ["type"] = "message", ["text"] = "second reply" }]);
        var (activities, mark, answering, _) = conversation.JsonSince(null);
        Assert.False(answering);
        Assert.Equal(["help", "first reply", "second reply"], Texts(activities));
        Assert.Equal(2, mark);
    }

    [Fact]
    public void TheStreamWaitsForTheChangeAfterItsSnapshotNotAnEarlierOne()
    {
        var conversation = Conversation(capacity: 100, appended: 0);
        conversation.BeginTurn(new JsonObject { ["type"] = "message", ["text"] = "help" });

        // The user's activity is already in the snapshot: the change to wait for (while holding it) is the reply's.
        var (activities, _, answering, changed) = conversation.JsonSince(null);
        Assert.Equal(["help"], Texts(activities));
        Assert.True(answering);
        Assert.False(changed.IsCompleted);

        conversation.EndTurn([new JsonObject { ["type"] = "message", ["text"] = "reply" }]);
        Assert.True(changed.IsCompleted);
    }

    [Fact]
    public void NothingIsHeldBackWhenSomethingElseIsWaitingToBeDelivered()
    {
        var conversation = Conversation(capacity: 100, appended: 0);
        conversation.BeginTurn(new JsonObject { ["type"] = "message", ["text"] = "train a model" });
        // A proactive message (a job finished) arrives while the bot is still answering.
        conversation.Append(new JsonObject { ["type"] = "message", ["text"] = "run 7 finished" });
        Assert.False(conversation.JsonSince(null).Answering);
        // Once the client has those, a second message waiting for its answer is held again.
        conversation.BeginTurn(new JsonObject { ["type"] = "message", ["text"] = "status of run 7" });
        Assert.True(conversation.JsonSince(1).Answering);
    }
}
