using System.Globalization;
using System.Text;
using System.Text.Json;
using SwarmAgentBot.Host.Cli;

namespace SwarmAgentBot.Host.Tests.Drift;

public sealed class DriftCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("swarm-drift-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Writes a CSV with a numeric column x (normal-ish around <paramref name="mean"/>), a label column and a flag.</summary>
    private string Csv(string name, int rows, double mean, string[] modes, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder("x,mode,flag\n");
        for (var i = 0; i < rows; i++)
        {
            var x = mean + (random.NextDouble() + random.NextDouble() + random.NextDouble() - 1.5);
            text.Append(CultureInfo.InvariantCulture, $"{x:R},{modes[i % modes.Length]},{i % 2}\n");
        }
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text.ToString());
        return path;
    }

    private async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        await using var context = new CliContext
        {
            Out = output,
            Error = error,
            Overrides = new Dictionary<string, string?> { ["Swarm:DataDir"] = Path.Combine(_dir, "data") },
        };
        var code = await SwarmCli.RunAsync(args, context);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task ItPrintsEachColumnsMethodScoreAndVerdictThenTheDatasetVerdict()
    {
        var reference = Csv("ref.csv", 400, 0, ["bus", "car", "bike"], 1);
        var current = Csv("cur.csv", 300, 1, ["bus", "car", "bike"], 2);
        var (code, output, _) = await RunAsync("drift", "--reference", reference, "--current", current);

        Assert.Equal(0, code);
        var lines = output.Split('\n');
        Assert.Matches(@"^x\s+numeric\s+ks\s+\S+\s+\S+\s+-\s+0\.05\s+YES", lines.Single(l => l.StartsWith("x ")));
        Assert.Matches(@"^mode\s+categorical\s+chisquare\s+\S+\s+0\.9\d*\s+-\s+0\.05\s+no", lines.Single(l => l.StartsWith("mode ")));
        Assert.Matches(@"^flag\s+numeric\s+z\s+", lines.Single(l => l.StartsWith("flag ")));
        Assert.Contains("Dataset: 1 of 3 columns drifted", output);
        Assert.Contains("no dataset drift", output);
        Assert.Contains("x: mean", output);
    }

    [Fact]
    public async Task ItWritesJsonWithInfinityForABrandNewCategory()
    {
        var reference = Csv("ref.csv", 200, 0, ["bus", "car"], 3);
        var current = Csv("cur.csv", 200, 0, ["bus", "car", "scooter"], 4);
        var (code, output, _) = await RunAsync("drift", "--reference", reference, "--current", current, "--json");

        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output, new JsonDocumentOptions());
        var mode = json.RootElement.GetProperty("Columns").EnumerateArray().Single(c => c.GetProperty("Column").GetString() == "mode");
        Assert.Equal("ChiSquare", mode.GetProperty("Method").GetString());
        Assert.Equal("Infinity", mode.GetProperty("Statistic").GetString());
        Assert.Equal(0, mode.GetProperty("PValue").GetDouble());
        Assert.True(mode.GetProperty("Drifted").GetBoolean());
        Assert.Equal("scooter", mode.GetProperty("Categories").GetProperty("NewCategories")[0].GetProperty("Category").GetString());
        Assert.Equal(200, json.RootElement.GetProperty("Dataset").GetProperty("CurrentRows").GetInt32());
    }

    [Fact]
    public async Task ItSaysWhenTheModelToWeightByIsNotRegistered()
    {
        var reference = Csv("ref.csv", 100, 0, ["a"], 5);
        var current = Csv("cur.csv", 100, 0, ["a"], 6);
        var (code, output, _) = await RunAsync("drift", "--reference", reference, "--current", current, "--model", "churn");

        Assert.Equal(0, code);
        Assert.Contains("Model 'churn' is not registered: only the unweighted drift share is shown.", output);
        Assert.DoesNotContain("Importance-weighted share", output);
    }

    [Fact]
    public async Task ItSaysWhenAWindowIsTooSmallToDecide()
    {
        var reference = Csv("ref.csv", 100, 0, ["a", "b"], 7);
        var current = Csv("cur.csv", 10, 3, ["a", "b"], 8);
        var (code, output, _) = await RunAsync("drift", "--reference", reference, "--current", current);

        Assert.Equal(0, code);
        Assert.Contains("Dataset: not decided", output);
        Assert.Contains("The current window has 10 rows; at least 30 (Swarm:Drift:MinRows)", output);
        Assert.Matches(@"(?m)^x\s+numeric\s+-.*too few values", output);
    }

    [Fact]
    public async Task ItReportsAMissingFileAsAnErrorMessage()
    {
        var reference = Csv("ref.csv", 100, 0, ["a"], 9);
        var (code, output, error) = await RunAsync("drift", "--reference", reference, "--current", Path.Combine(_dir, "nope.csv"));

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Contains("swarm drift: No such file", error);
    }

    [Fact]
    public async Task ItReportsAMalformedCsvWithItsLine()
    {
        var reference = Csv("ref.csv", 100, 0, ["a"], 10);
        var broken = Path.Combine(_dir, "broken.csv");
        await File.WriteAllTextAsync(broken, "x,mode,flag\n1,a,0\n2,a\n");
        var (code, _, error) = await RunAsync("drift", "--reference", reference, "--current", broken);

        Assert.Equal(1, code);
        Assert.Contains("line 3", error);
    }
}
