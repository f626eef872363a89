using System.Globalization;
using System.Text;
using System.Text.Json;
using SwarmAgentBot.Host.Cli;

namespace SwarmAgentBot.Host.Tests.Training;

public sealed class TrainCommandsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "swarm-train-cli-" + Guid.NewGuid().ToString("N"));

    public TrainCommandsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteCsv(int rows, bool withTarget = true)
    {
        var random = new Random(4);
        var sb = new StringBuilder(withTarget ? "age,plan,spend,bought\n" : "age,plan,spend\n");
        for (var i = 0; i < rows; i++)
        {
            var age = random.Next(18, 80);
            var plan = random.Next(3) switch { 0 => "free", 1 => "team", _ => "enterprise" };
            var spend = random.NextDouble() * 100;
            var bought = age > 45 && plan != "free" || spend > 85 ? "yes" : "no";
            sb.Append(CultureInfo.InvariantCulture, $"{age},{plan},{spend:0.00}");
            if (withTarget) sb.Append(',').Append(bought);
            sb.Append('\n');
        }
        var path = Path.Combine(_dir, withTarget ? "train.csv" : "score.csv");
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    private async Task<(int Code, string Out, string Error)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        await using var context = new CliContext
        {
            Out = output, Error = error,
            Overrides = new Dictionary<string, string?> { ["Swarm:DataDir"] = Path.Combine(_dir, "data") },
        };
        var code = await SwarmCli.RunAsync(args, context);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task TrainWritesABundleUnderTheDataDirAndPredictScoresEveryRowInOrder()
    {
        var train = WriteCsv(300);
        var (code, output, error) = await Run("train", "--data", train, "--target", "bought", "--budget", "3", "--seed", "5", "--json");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        var runId = root.GetProperty("run_id").GetString()!;
        var modelPath = root.GetProperty("model_path").GetString()!;
        Assert.Equal(Path.Combine(_dir, "data", "models", "local", runId), modelPath);
        Assert.True(File.Exists(Path.Combine(modelPath, "model.json")));
        Assert.Equal("binary", root.GetProperty("task").GetString());
        Assert.True(root.GetProperty("test_metrics").GetProperty("auc").GetDouble() > 0.8);
        Assert.True(root.GetProperty("leaderboard").GetArrayLength() >= 1);

        var score = WriteCsv(25, withTarget: false);
        var predictions = Path.Combine(_dir, "pred.csv");
        var (predictCode, _, predictError) = await Run("predict", "--model", runId, "--data", score, "--out", predictions);
        Assert.True(predictCode == 0, predictError);
        var lines = File.ReadAllLines(predictions);
        Assert.Equal("prediction,proba_no,proba_yes", lines[0]);
        Assert.Equal(26, lines.Length);
        Assert.All(lines.Skip(1), l => Assert.Matches("^(yes|no),[0-9.]+,[0-9.]+$", l));
    }

    [Fact]
    public async Task AMistypedTargetExitsWithASuggestion()
    {
        var train = WriteCsv(50);
        var (code, _, error) = await Run("train", "--data", train, "--target", "bougth", "--budget", "3");
        Assert.Equal(2, code);
        Assert.Contains("Did you mean 'bought'", error);
    }

    [Fact]
    public async Task PredictNamesAMissingColumn()
    {
        var train = WriteCsv(120);
        var bundle = Path.Combine(_dir, "bundle");
        var (code, _, error) = await Run("train", "--data", train, "--target", "bought", "--budget", "2", "--out", bundle);
        Assert.True(code == 0, error);
        var bad = Path.Combine(_dir, "bad.csv");
        File.WriteAllText(bad, "age,spend\n30,10\n");
        var (predictCode, _, predictError) = await Run("predict", "--model", bundle, "--data", bad, "--out", Path.Combine(_dir, "p.csv"));
        Assert.Equal(2, predictCode);
        Assert.Contains("'plan'", predictError);
        Assert.False(File.Exists(Path.Combine(_dir, "p.csv")));
    }
}
