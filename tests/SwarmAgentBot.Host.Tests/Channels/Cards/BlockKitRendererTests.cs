using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Host.Channels.Cards;

namespace SwarmAgentBot.Host.Tests.Channels.Cards;

public sealed class BlockKitRendererTests
{
    private const string Base = "https://bot.example.test";

    private static List<JsonObject> Blocks(BotReply reply) => BlockKitRenderer.Render(reply, Base).OfType<JsonObject>().ToList();

    private static ApprovalRequest Request() => new(7, "registry.deploy_model", "Deploy churn v3 to production", new JsonObject(), "prod-approver", "model:churn",
        "carol", new ConversationRef("slack", "C1"), ApprovalStatus.Pending, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1), null, null, null, null, null);

    [Fact]
    public void AnApprovalCardBecomesHeaderFieldsAndStyledButtons()
    {
        var blocks = Blocks(new BotReply("", [ApprovalCards.Pending(Request())]));
        Assert.Equal(["header", "section", "actions"], blocks.Select(b => b["type"]!.ToString()));
        Assert.Equal("Approval #7: Deploy churn v3 to production", blocks[0]["text"]!["text"]!.ToString());
        Assert.Contains(blocks[1]["fields"]!.AsArray(), f => f!["text"]!.ToString() == "*Needs role*\nprod-approver");
        var buttons = blocks[2]["elements"]!.AsArray().Select(b => b!.AsObject()).ToList();
        Assert.Equal(["approve", "reject"], buttons.Select(b => b["action_id"]!.ToString()));
        Assert.Equal(["primary", "danger"], buttons.Select(b => b["style"]!.ToString()));
        var value = JsonNode.Parse(buttons[0]["value"]!.ToString())!;
        Assert.Equal("approve", value["verb"]!.ToString());
        Assert.Equal("7", value["approval_id"]!.ToString());
    }

    [Fact]
    public void ButtonsWithTheSameVerbGetDistinctActionIds()
    {
        var choices = new[] { "train on churn.csv", "train on churn_v2.csv" }
            .Select(t => new CardAction(t, "choose", new Dictionary<string, string> { ["text"] = t })).ToList();
        var blocks = Blocks(new BotReply("Which dataset?", [new Card("Pick one", [], choices)]));
        var ids = blocks.Last()["elements"]!.AsArray().Select(b => b!["action_id"]!.ToString()).ToList();
        Assert.Equal(["choose:0", "choose:1"], ids);
        Assert.All(ids, id => Assert.Equal("choose", BlockKitRenderer.VerbOf(id)));
    }

    [Fact]
    public void ChartLinksBecomeAbsoluteImageBlocks()
    {
        var image = Blocks(new BotReply("", [new Card("Drift", [new CardImage("/charts/psi-churn.png", "PSI per feature")])])).Single(b => b["type"]!.ToString() == "image");
        Assert.Equal("https://bot.example.test/charts/psi-churn.png", image["image_url"]!.ToString());
        Assert.Equal("PSI per feature", image["alt_text"]!.ToString());
    }

    [Fact]
    public void ATableIsACodeFormattedSectionWithAlignedColumns()
    {
        var table = new CardTable(["model", "f1"], [["xgboost", "0.84"], ["logistic", "0.79"]]);
        var text = Blocks(new BotReply("", [new Card("Leaderboard", [table])]))[1]["text"]!["text"]!.ToString();
        Assert.Equal("```\nmodel     f1\n--------  ----\nxgboost   0.84\nlogistic  0.79\n```", text);
    }

    [Fact]
    public void BigContentIsSplitOrTrimmedToSlackLimits()
    {
        var rows = Enumerable.Range(0, 500).Select(i => (IReadOnlyList<string>)[$"candidate-{i}", "0.5"]).ToList();
        var facts = Enumerable.Range(0, 25).Select(i => new KeyValuePair<string, string>($"k{i}", "v")).ToList();
        var cards = Enumerable.Range(0, 30).Select(i => new Card($"card {i}", [new CardTable(["name", "score"], rows), new CardFacts(facts)])).ToList();
        var blocks = Blocks(new BotReply(new string('x', 7000), cards));

        Assert.Equal(BlockKitRenderer.MaxBlocks, blocks.Count);
        Assert.All(blocks.Where(b => b["text"]?["text"] is not null), b => Assert.True(b["text"]!["text"]!.ToString().Length <= BlockKitRenderer.SectionLimit));
        Assert.All(blocks.Where(b => b["fields"] is not null), b => Assert.True(b["fields"]!.AsArray().Count <= 10));
        Assert.Equal(3, blocks.TakeWhile(b => b["type"]!.ToString() == "section" && b["text"] is not null).Count());
        Assert.Contains("more row(s)", blocks.First(b => b["text"]?["text"]?.ToString().StartsWith("```") == true)["text"]!["text"]!.ToString());
    }
}
