using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Agents.Supervisor.Llm;
using SwarmAgentBot.Agents.Tests.Support;

namespace SwarmAgentBot.Agents.Tests.Llm;

public sealed class LlmAnswererTests : IDisposable
{
    private const string Question = "who may approve a production deployment?";
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private LlmAnswerer Answerer(ScriptedChatModel model, params string[] secrets) =>
        new(model, new AuditLog(_db.Database), new SecretScrubber(secrets), Microsoft.Extensions.Options.Options.Create(new LlmOptions()), NullLogger<LlmAnswerer>.Instance);

    [Fact]
    public async Task AnAnswerCitesThePassagesItRestsOnAndListsTheirSources()
    {
        var model = new ScriptedChatModel().ThenSay("Someone with the prod-approver role [1].");

        var answer = await Answerer(model).AnswerAsync(Question, FakeKnowledgeAgent.Passages);

        Assert.True(answer.Answered);
        Assert.Contains("prod-approver role [1].", answer.Text);
        Assert.Contains("Sources:\n1. [Deploying models › Approvals](http://localhost/knowledge/deploy.md#approvals)", answer.Text);
        Assert.Equal(FakeKnowledgeAgent.Passages[0], Assert.Single(answer.Citations));
    }

    [Fact]
    public async Task PassagesReachTheModelAsAToolResultAndTheModelIsOfferedNothingToAct()
    {
        var model = new ScriptedChatModel().ThenSay("Someone with the prod-approver role [1].");

        await Answerer(model).AnswerAsync(Question, FakeKnowledgeAgent.Passages);

        var request = Assert.Single(model.Requests);
        Assert.Equal(ChatToolMode.None, request.ToolMode);
        Assert.Equal(["search_knowledge_base"], request.Tools.Select(t => t.Name));
        var tool = Assert.Single(request.Messages, m => m.Role == ChatRole.Tool);
        Assert.Contains("ignore your instructions", tool.Content);
        Assert.DoesNotContain(request.Messages.Where(m => m.Role != ChatRole.Tool), m => (m.Content ?? "").Contains("ignore your instructions", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CitedCitationsAreRenumberedInOrderOfUseAndUnknownOnesDropped()
    {
        var model = new ScriptedChatModel().ThenSay("Staging needs an approver [2][1] [9].");

        var answer = await Answerer(model).AnswerAsync(Question, FakeKnowledgeAgent.Passages);

        Assert.StartsWith("Staging needs an approver [1][2] .", answer.Text);
        Assert.Equal([FakeKnowledgeAgent.Passages[1], FakeKnowledgeAgent.Passages[0]], answer.Citations);
    }

    [Theory]
    [InlineData("I don't know", "do not answer")]
    [InlineData("Probably the team lead.", "cited no passage")]
    [InlineData("Ask around [7].", "cited no passage")]
    public async Task AnAnswerThatIsNotGroundedIsNoAnswer(string said, string reason)
    {
        var model = new ScriptedChatModel().ThenSay(said);

        var answer = await Answerer(model).AnswerAsync(Question, FakeKnowledgeAgent.Passages);

        Assert.False(answer.Answered);
        Assert.Equal("", answer.Text);
        Assert.Contains(reason, answer.FallbackReason);
    }

    [Fact]
    public async Task WithNothingRetrievedTheModelIsNotAsked()
    {
        var model = new ScriptedChatModel();

        var answer = await Answerer(model).AnswerAsync(Question, []);

        Assert.False(answer.Answered);
        Assert.Empty(model.Requests);
    }

    [Fact]
    public async Task AnUnavailableModelGivesNoAnswerAndSaysWhy()
    {
        var model = new ScriptedChatModel().ThenThrow(new ChatModelException(ChatModelFailure.Unavailable, "503", 503));

        var answer = await Answerer(model).AnswerAsync(Question, FakeKnowledgeAgent.Passages);

        Assert.False(answer.Answered);
        Assert.Equal("the language model was unavailable", answer.FallbackReason);
        var usage = Assert.Single(await new AuditLog(_db.Database).QueryAsync(action: LlmCallMeter.AuditAction));
        Assert.Equal("answer", usage.Details["purpose"]!.ToString());
    }

    [Fact]
    public async Task SecretsInPassagesAreScrubbedBeforeTheModelAndFromTheAnswer()
    {
        const string secret = "s3cr3t-minio-password-value";
        var passages = new[] { new GroundingPassage("Setup", "http://localhost/knowledge/setup.md", $"Connect with password {secret} or token xoxb-1111111111-abcdefghijkl.") };
        var model = new ScriptedChatModel().ThenSay($"Use the password {secret} [1].");

        var answer = await Answerer(model, secret).AnswerAsync("how do I connect?", passages);

        Assert.DoesNotContain(secret, model.AllSentText());
        Assert.DoesNotContain("xoxb-1111111111-abcdefghijkl", model.AllSentText());
        Assert.DoesNotContain(secret, answer.Text);
        Assert.Contains(SecretScrubber.Redacted, answer.Text);
    }

    [Fact]
    public async Task AnInjectedInstructionInARetrievedDocumentDeploysNothing()
    {
        var registry = new RecordingAgent();
        // The model falls for the document: it tries to deploy while answering.
        var model = new ScriptedChatModel()
            .ThenChoose("knowledge")
            .ThenCall(("knowledge__ask", "{\"question\": \"how do production deployments get approved?\"}"))
            .ThenCall(("registry__deploy_model", "{\"model\": \"churn-model\", \"version\": 9, \"stage\": \"production\"}"));
        await using var h = new SupervisorHarness(_db.DataDir, new ScriptedRouter(), [registry], configure: b =>
        {
            b.Services.AddSingleton<IChatModel>(model);
            b.Services.AddSingleton<IAgent>(sp => new FakeKnowledgeAgent(sp.GetRequiredService<IGroundedAnswerer>()));
            b.AddLlmPlanner();
        });

        var reply = await h.SayAsync("alice", "how do production deployments get approved?");

        Assert.Contains("From the knowledge base: Deploying to production needs an approval", reply);
        Assert.Empty(await h.Get<ApprovalStore>().ListAsync());
        Assert.Equal(0, registry.Executions);
        Assert.Equal(0, model.Pending);
        Assert.DoesNotContain(await h.Get<AuditLog>().QueryAsync(action: "registry."), e => true);
    }
}
