using SwarmAgentBot.Agents.Supervisor.Routing;

namespace SwarmAgentBot.Agents.Tests.Routing;

/// <summary>The router against the labelled utterance files: it fails when routing quality regresses.</summary>
public sealed class LabelledSetTests
{
    private readonly RulesRouter _router = new();

    [Theory]
    [InlineData("nlu-labelled.jsonl", 400)]
    [InlineData("nlu-holdout.jsonl", 100)]
    [InlineData("nlu-blind-dev.jsonl", 250)]
    [InlineData("nlu-varied.jsonl", 250)]
    [InlineData("nlu-blind3-dev.jsonl", 300)]
    [InlineData("nlu-blind4-dev.jsonl", 300)]
    [InlineData("nlu-blind5-dev.jsonl", 300)]
    [InlineData("nlu-blind6-dev.jsonl", 300)]
    public async Task ItMeetsTheQualityBarOnTheLabelledFile(string file, int minimumLines)
    {
        var items = NluEvaluation.Load(Path.Combine(RoutingFiles.Directory, file));
        Assert.True(items.Count >= minimumLines, $"{file} has {items.Count} lines; it should have at least {minimumLines}.");

        var scores = await NluEvaluation.EvaluateAsync(_router, items);

        var misses = string.Join("\n", scores.Misses.Take(25).Select(m => $"{m.Text} => {m.ActualIntent} (want {m.ExpectedIntent}) missing [{string.Join(", ", m.MissingEntities)}] extra [{string.Join(", ", m.ExtraEntities)}]"));
        Assert.True(scores.IntentAccuracy >= 0.95, $"intent accuracy {scores.IntentAccuracy:0.000} < 0.95\n{misses}");
        Assert.True(scores.EntityF1 >= 0.90, $"entity F1 {scores.EntityF1:0.000} < 0.90\n{misses}");
        Assert.True(scores.OutOfScopeF1 >= 0.90, $"out-of-scope F1 {scores.OutOfScopeF1:0.000} < 0.90\n{misses}");
    }

    [Fact]
    public void EveryIntentIsCoveredAtLeastEightTimes()
    {
        var items = NluEvaluation.Load(Path.Combine(RoutingFiles.Directory, "nlu-labelled.jsonl"));
        var counts = items.GroupBy(i => i.Expected["intent"]!.ToString()).ToDictionary(g => g.Key, g => g.Count());
        var thin = Intents.All.Where(i => counts.GetValueOrDefault(i) < 8).ToList();
        Assert.True(thin.Count == 0, "intents with fewer than 8 labelled lines: " + string.Join(", ", thin));
    }

    [Fact]
    public async Task ScoringCountsWrongEntitiesAsErrors()
    {
        // The metric itself must be able to fail: a label the router cannot produce lowers F1 and accuracy.
        var items = new List<LabelledUtterance>
        {
            new("deploy churn-model v3 to prod", [], null, System.Text.Json.Nodes.JsonNode.Parse("""{"agent":"registry","intent":"registry.deploy_model","entities":{"model":"churn-model","version":4,"stage":"production"}}""")!.AsObject()),
            new("tell me a joke", [], null, System.Text.Json.Nodes.JsonNode.Parse("""{"agent":"help","intent":"help","entities":{}}""")!.AsObject()),
        };

        var scores = await NluEvaluation.EvaluateAsync(_router, items);

        Assert.Equal(0.5, scores.IntentAccuracy);
        Assert.True(scores.EntityF1 < 0.7);
        Assert.Equal(0, scores.OutOfScopeF1);
        Assert.Equal(2, scores.Misses.Count);
    }
}

/// <summary>Where the labelled files live (next to this source file in the repository).</summary>
internal static class RoutingFiles
{
    public static string Directory { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "SwarmAgentBot.Agents.Tests", "Routing");
            if (File.Exists(Path.Combine(dir.FullName, "SwarmAgentBot.sln")) && System.IO.Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("Could not find tests/SwarmAgentBot.Agents.Tests/Routing above " + AppContext.BaseDirectory);
    }
}
