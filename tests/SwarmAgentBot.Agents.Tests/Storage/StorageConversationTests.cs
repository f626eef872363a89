using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SwarmAgentBot.Agents.Agents.Storage;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Agents.Tests.Support;
using SupervisorLoop = SwarmAgentBot.Agents.Supervisor.Supervisor;

namespace SwarmAgentBot.Agents.Tests.Storage;

/// <summary>The storage agent behind the real supervisor and approval gate, with a scripted router standing in for the NLU.</summary>
public sealed class StorageConversationTests : IDisposable
{
    private readonly StorageHarness _h = new(settings: new()
    {
        ["Swarm:Security:Roles:bob:0"] = "approver",
        ["Swarm:Security:Users:bob"] = "bob",
        ["Swarm:Security:Users:alice"] = "alice",
    }, router: new ScriptedRouter()
        .On("upload this as churn", "storage.upload_dataset", new JsonObject { ["dataset"] = "churn" })
        .On("profile it", "storage.profile_dataset")
        .On("profile dataset churn", "storage.profile_dataset", new JsonObject { ["dataset"] = "churn" })
        .On("profile", "storage.profile_dataset")
        .On("delete dataset churn", "storage.delete_dataset", new JsonObject { ["dataset"] = "churn" }));

    private SupervisorLoop Supervisor => _h.Services.GetRequiredService<SupervisorLoop>();

    private static readonly ConversationRef Web = new("webchat", "conv-42");

    private async Task<BotReply> SayAsync(string text, string user = "alice", IReadOnlyList<FileAttachment>? files = null, JsonObject? value = null) =>
        (await Supervisor.HandleAsync(new IncomingMessage(Web, new UserRef(user, user), text, value, files))).Single();

    [Fact]
    public async Task UploadThenProfileItThenDeleteWithApproval()
    {
        var uploaded = await SayAsync("upload this as churn", files: [StorageHarness.Csv("export.csv", StorageHarness.ChurnCsv)]);
        Assert.Contains("Stored **churn v1**", uploaded.Text);

        var profiled = await SayAsync("profile it");
        Assert.Contains("Profile of **churn v1**", profiled.Text);

        var proposed = await SayAsync("delete dataset churn");
        Assert.Contains("needs approval", proposed.Text);
        var approvalId = proposed.AllCards.Single().AllActions.First(a => a.Verb == "approve").Data["approval_id"];
        Assert.NotNull(await _h.Registry.GetAsync("churn"));

        var approved = await SayAsync("", user: "bob", value: new JsonObject { ["verb"] = "approve", ["approval_id"] = approvalId });
        Assert.Contains("Deleted dataset **churn** (v1)", approved.Text);
        Assert.Null(await _h.Registry.GetAsync("churn"));

        var audit = await _h.Services.GetRequiredService<AuditLog>().QueryAsync(resource: "dataset:churn");
        Assert.Contains(audit, e => e.Action == "storage.delete_dataset" && e.ApprovedBy == "bob" && e.Actor == "alice");
        Assert.Contains(audit, e => e.Action == "storage.upload_dataset");
    }

    [Fact]
    public async Task AClarifyingButtonRunsTheChosenRequest()
    {
        await SayAsync("upload this as churn", files: [StorageHarness.Csv("churn.csv", StorageHarness.ChurnCsv)]);
        await _h.Registry.UploadAsync("iris", new MemoryStream(Encoding.UTF8.GetBytes("a,b\n1,2\n")), "alice");

        // A new conversation has no remembered dataset, so the agent asks.
        var question = (await Supervisor.HandleAsync(new IncomingMessage(new ConversationRef("webchat", "fresh"), new UserRef("alice"), "profile"))).Single();
        var choice = question.AllCards.Single().AllActions.First(a => a.Data["text"] == "profile dataset churn");
        Assert.Equal("choose", choice.Verb);

        var answer = (await Supervisor.HandleAsync(new IncomingMessage(new ConversationRef("webchat", "fresh"), new UserRef("alice"), "",
            new JsonObject { ["verb"] = choice.Verb, ["text"] = choice.Data["text"] }))).Single();
        Assert.Contains("Profile of **churn v1**", answer.Text);
    }

    public void Dispose() => _h.Dispose();
}
