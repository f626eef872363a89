using System.Text.Json.Nodes;
using SwarmAgentBot.Host.Cli;

namespace SwarmAgentBot.Host.Tests.Nlu;

/// <summary><c>swarm nlu</c>: what scripts and the held-out evaluation read.</summary>
public sealed class NluCommandsTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "swarm-nlu-" + Guid.NewGuid().ToString("N"));

    private async Task<(int Code, string Output)> RunAsync(string[] args, string? stdin = null)
    {
        var output = new StringWriter();
        await using var context = new CliContext
        {
            Out = output,
            Error = new StringWriter(),
            In = new StringReader(stdin ?? ""),
            Overrides = { ["Swarm:DataDir"] = _dataDir },
        };
        var code = await SwarmCli.RunAsync(args, context);
        return (code, output.ToString());
    }

    [Fact]
    public async Task ItPrintsExactlyTheIntentsJsonObject()
    {
        var (code, output) = await RunAsync(["nlu", "train a churn model on churn.csv target Churn in 5 minutes then deploy it to production if f1 >= 0.8", "--json"]);

        Assert.Equal(0, code);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var json = JsonNode.Parse(line)!.AsObject();
        Assert.Equal("training", json["agent"]!.GetValue<string>());
        Assert.Equal("training.train_model", json["intent"]!.GetValue<string>());
        Assert.Equal(300, json["entities"]!["time_budget_s"]!.GetValue<int>());
        Assert.Equal("Churn", json["entities"]!["target"]!.GetValue<string>());
        var step = json["steps"]!.AsArray().Single()!;
        Assert.Equal("registry.deploy_model", step["intent"]!.GetValue<string>());
        Assert.Equal("production", step["entities"]!["stage"]!.GetValue<string>());
        Assert.Equal("f1 >= 0.8", step["condition"]!.GetValue<string>());
    }

    [Fact]
    public async Task ItRoutesABatchInOrderWithMemoryBuiltFromEachLinesContext()
    {
        var file = Path.Combine(_dataDir, "batch.jsonl");
        Directory.CreateDirectory(_dataDir);
        await File.WriteAllLinesAsync(file,
        [
            """{"text":"list pipelines"}""",
            """{"text":"deploy it to staging","context":["evaluate fraud-xgb v4 on holdout.csv"]}""",
            "",
            """{"text":"and for production?","context":["roll back churn-model in staging"]}""",
            """{"text":"what's the weather like?","context":[]}""",
        ]);

        var (code, output) = await RunAsync(["nlu", "--batch", file]);

        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(4, lines.Count);
        Assert.Equal("pipeline.list_pipelines", lines[0]["intent"]!.GetValue<string>());
        Assert.Equal("registry.deploy_model", lines[1]["intent"]!.GetValue<string>());
        Assert.Equal("fraud-xgb", lines[1]["entities"]!["model"]!.GetValue<string>());
        Assert.Equal(4, lines[1]["entities"]!["version"]!.GetValue<int>());
        Assert.Contains("model", lines[1]["resolved_from_context"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("registry.rollback", lines[2]["intent"]!.GetValue<string>());
        Assert.Equal("production", lines[2]["entities"]!["stage"]!.GetValue<string>());
        Assert.Equal("out_of_scope", lines[3]["intent"]!.GetValue<string>());
    }

    [Fact]
    public async Task ItKeepsOneOutputLinePerInputLineWhenALineIsBroken()
    {
        var (code, output) = await RunAsync(["nlu", "--batch", "-"], "not json\n{\"text\":\"list models\"}\n");

        Assert.Equal(1, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.NotNull(JsonNode.Parse(lines[0])!["error"]);
        Assert.Equal("registry.list_models", JsonNode.Parse(lines[1])!["intent"]!.GetValue<string>());
    }

    [Fact]
    public async Task ItSaysWhatIsMissingWithoutAMessage()
    {
        var (code, _) = await RunAsync(["nlu"]);
        Assert.Equal(2, code);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir)) Directory.Delete(_dataDir, recursive: true);
    }
}
