using System.Text.Json.Nodes;
using SwarmAgentBot.Host.Cli;

namespace SwarmAgentBot.Host.Tests.Pipelines;

/// <summary>
/// The pipelines CLI end to end: runs are driven by a real `swarm worker pipeline-run` process and
/// each step is a real `swarm worker ...` process of this build.
/// </summary>
public sealed class PipelineCliTests : IDisposable
{
    private const string EchoGate = """
        name: echo-gate
        description: Says something, checks the metric it reported, then reports again.
        parameters:
          - {name: message, type: string, description: What to say}
          - {name: min, type: float, default: 0.5, description: Lowest acceptable accuracy}
        steps:
          - name: say
            command: [worker, echo, --text, "{{params.message}}", --metric, "accuracy=0.75", --output, "model=m-{{run.id}}"]
          - name: check
            depends_on: [say]
            command: [worker, gate, --run, "{{run.id}}", --step, say, --metric, accuracy, --min, "{{params.min}}"]
          - name: report
            depends_on: [check]
            command: [worker, echo, --text, "registered {{steps.say.outputs.model}}"]
        """;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "swarm-cli-" + Guid.NewGuid().ToString("N")[..8]);

    public PipelineCliTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "manifests", "pipelines"));
        File.WriteAllText(Path.Combine(_root, "manifests", "pipelines", "echo-gate.yaml"), EchoGate);
    }

    private async Task<(int Code, string Out, string Error)> SwarmAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        await using var context = new CliContext
        {
            Out = output,
            Error = error,
            Overrides = new Dictionary<string, string?>
            {
                ["Swarm:DataDir"] = Path.Combine(_root, "data"),
                ["Swarm:Pipelines:ManifestsPath"] = Path.Combine(_root, "manifests"),
            },
        };
        // A bound on --wait: a run that never ends fails the test instead of hanging it.
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var code = await SwarmCli.RunAsync(args, context, limit.Token);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task RunWithWaitDrivesEveryStepAsAProcessAndPrintsTheFinalState()
    {
        var (code, output, error) = await SwarmAsync("pipelines", "run", "echo-gate", "--param", "message=hello from the cli", "--wait", "--json");

        Assert.True(code == 0, output + error);
        var run = JsonNode.Parse(output)!;
        Assert.Equal("SUCCEEDED", run["state"]!.GetValue<string>());
        Assert.Equal(0.75, run["metrics"]!["accuracy"]!.GetValue<double>());
        Assert.Equal(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"], run["steps"]!.AsArray().Select(s => s!["state"]!.GetValue<string>()));
        var id = run["id"]!.GetValue<string>();

        var logs = await SwarmAsync("pipelines", "logs", id, "--step", "report");
        Assert.Contains($"registered m-{id}", logs.Out);
        var say = await SwarmAsync("pipelines", "logs", id, "--step", "say");
        Assert.Contains("hello from the cli", say.Out);
        Assert.Contains("##metric accuracy=0.75", say.Out);

        var status = await SwarmAsync("pipelines", "status", id, "--json");
        Assert.Equal("SUCCEEDED", JsonNode.Parse(status.Out)!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task AFailingGateFailsTheRunWithExitCodeOneAndItsLogSaysWhy()
    {
        var (code, output, _) = await SwarmAsync("pipelines", "run", "echo-gate", "-p", "message=hi", "-p", "min=0.9", "--wait", "--json");

        Assert.Equal(1, code);
        var run = JsonNode.Parse(output)!;
        Assert.Equal("FAILED", run["state"]!.GetValue<string>());
        Assert.Contains("check", run["error"]!.GetValue<string>());
        Assert.Equal("CANCELED", run["steps"]![2]!["state"]!.GetValue<string>());
        var logs = await SwarmAsync("pipelines", "logs", run["id"]!.GetValue<string>(), "--step", "check");
        Assert.Contains("Gate failed: accuracy = 0.75, needed >= 0.9.", logs.Out);
    }

    [Fact]
    public async Task BadInputIsExplainedOnStandardErrorWithExitCodeOne()
    {
        var wrongType = await SwarmAsync("pipelines", "run", "echo-gate", "-p", "message=x", "-p", "min=high");
        Assert.Equal(1, wrongType.Code);
        Assert.Contains("parameter 'min' must be a float, but got \"high\"", wrongType.Error);
        Assert.Contains("Valid parameters: message (string, required), min (float, default 0.5)", wrongType.Error);

        var notPair = await SwarmAsync("pipelines", "run", "echo-gate", "-p", "message");
        Assert.Contains("is not name=value", notPair.Error);

        var unknownPipeline = await SwarmAsync("pipelines", "describe", "echo");
        Assert.Equal(1, unknownPipeline.Code);
        Assert.Contains("There is no pipeline named 'echo'. Available: echo-gate.", unknownPipeline.Error);

        var unknownRun = await SwarmAsync("pipelines", "status", "42");
        Assert.Equal(1, unknownRun.Code);
        Assert.Contains("There is no pipeline run '42'", unknownRun.Error);

        var runs = await SwarmAsync("pipelines", "runs", "--json");
        Assert.Empty(JsonNode.Parse(runs.Out)!["runs"]!.AsArray());
    }

    [Fact]
    public async Task ListAndDescribePrintJson()
    {
        var list = JsonNode.Parse((await SwarmAsync("pipelines", "list", "--json")).Out)!.AsArray();
        Assert.Equal("echo-gate", Assert.Single(list)!["name"]!.GetValue<string>());

        var described = JsonNode.Parse((await SwarmAsync("pipelines", "describe", "echo-gate", "--json")).Out)!;
        var min = described["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "min")!;
        Assert.Equal("float", min["type"]!.GetValue<string>());
        Assert.Equal(0.5, min["default"]!.GetValue<double>());
        Assert.Equal(["say", "check", "report"], described["steps"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));
    }

    [Fact]
    public void WorkerStepTurnsAJsonResultIntoMetricsAndOutputs()
    {
        var (metrics, outputs) = WorkerCommands.Flatten("""
            {"run_id": "r12", "rows": 7043, "best_learner": "xgboost",
             "validation_metrics": {"f1": 0.80, "auc": 0.84}, "test_metrics": {"f1": 0.79},
             "model": {"name": "churn", "version": 3}}
            """);
        Assert.Equal("r12", outputs["run_id"]);
        Assert.Equal(7043, metrics["rows"]);
        Assert.Equal(0.79, metrics["f1"]); // the test set wins
        Assert.Equal(0.84, metrics["auc"]);
        Assert.Equal("3", outputs["model_version"]);
        Assert.False(metrics.ContainsKey("model_version")); // identifiers are not measurements
        Assert.False(metrics.ContainsKey("run_id"));
        Assert.Empty(WorkerCommands.Flatten("not json").Metrics);

        // The drift report's shape: PascalCase names in a nested object.
        var drift = WorkerCommands.Flatten("""{"Columns": [], "Dataset": {"ColumnsDrifted": 7, "DriftShare": 0.7777, "Drifted": true}, "Prediction": null}""");
        Assert.Equal(0.7777, drift.Metrics["dataset_drift_share"]);
        Assert.Equal(7, drift.Metrics["dataset_columns_drifted"]);
        Assert.Equal("true", drift.Outputs["dataset_drifted"]);
        Assert.Equal("best_f1_score", WorkerCommands.SnakeCase("BestF1Score"));
        Assert.Equal("auc", WorkerCommands.SnakeCase("AUC"));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The shipped pipelines on the local engine, with the real swarm commands as their steps.</summary>
public sealed class ShippedPipelineTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "swarm-shipped-" + Guid.NewGuid().ToString("N")[..8]);

    public ShippedPipelineTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "manifests", "pipelines"));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Integrations.ManifestLocator.Resolve("manifests"), "pipelines"), "*.yaml"))
            File.Copy(file, Path.Combine(_root, "manifests", "pipelines", Path.GetFileName(file)));
        // 200 rows each: the same distributions, and a window where both columns moved.
        File.WriteAllLines(Path.Combine(_root, "reference.csv"), ["load,region", .. Enumerable.Range(0, 200).Select(i => $"{i % 50},{(i % 3 == 0 ? "north" : "south")}")]);
        File.WriteAllLines(Path.Combine(_root, "same.csv"), ["load,region", .. Enumerable.Range(0, 200).Select(i => $"{(i * 7) % 50},{(i % 3 == 1 ? "north" : "south")}")]);
        File.WriteAllLines(Path.Combine(_root, "moved.csv"), ["load,region", .. Enumerable.Range(0, 200).Select(i => $"{100 + i % 50},{(i % 5 == 0 ? "south" : "north")}")]);
    }

    private async Task<(int Code, string Out)> SwarmAsync(params string[] args)
    {
        var output = new StringWriter();
        await using var context = new CliContext
        {
            Out = output,
            Error = new StringWriter(),
            Overrides = new Dictionary<string, string?> { ["Swarm:DataDir"] = Path.Combine(_root, "data"), ["Swarm:Pipelines:ManifestsPath"] = Path.Combine(_root, "manifests") },
        };
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var code = await SwarmCli.RunAsync(args, context, limit.Token);
        return (code, output.ToString());
    }

    private async Task<(int Code, JsonNode Run)> RunAsync(string pipeline, params string[] parameters)
    {
        var (code, output) = await SwarmAsync(["pipelines", "run", pipeline, .. parameters.SelectMany(p => new[] { "-p", p }), "--wait", "--json"]);
        return (code, JsonNode.Parse(output)!);
    }

    [Fact]
    public async Task DriftCheckPassesDataThatDidNotMove()
    {
        var (code, run) = await RunAsync("drift-check", "reference=" + Path.Combine(_root, "reference.csv"), "current=" + Path.Combine(_root, "same.csv"));
        Assert.True(code == 0, run.ToJsonString());
        Assert.Equal("SUCCEEDED", run["state"]!.GetValue<string>());
        Assert.Equal(0, run["metrics"]!["dataset_columns_drifted"]!.GetValue<double>());
    }

    [Fact]
    public async Task DriftCheckFailsDataThatMovedAndSaysWhy()
    {
        var (code, run) = await RunAsync("drift-check", "reference=" + Path.Combine(_root, "reference.csv"), "current=" + Path.Combine(_root, "moved.csv"));
        Assert.Equal(1, code);
        Assert.Equal("FAILED", run["state"]!.GetValue<string>());
        Assert.Equal(1.0, run["metrics"]!["dataset_drift_share"]!.GetValue<double>());
        Assert.Contains("Gate failed: dataset_drift_share = 1, needed <= 0.5.", run["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task TrainAndRegisterThenBatchScoreWorkOnARegisteredDataset()
    {
        var iris = Path.Combine(_root, "iris.csv");
        File.WriteAllLines(iris, ["sepal_length,petal_length,species", .. Enumerable.Range(0, 90).Select(i => (i % 3) switch
        {
            0 => $"{4.8 + i % 7 * 0.1:0.0},{1.3 + i % 4 * 0.1:0.0},setosa",
            1 => $"{5.9 + i % 7 * 0.1:0.0},{4.2 + i % 4 * 0.1:0.0},versicolor",
            _ => $"{6.6 + i % 7 * 0.1:0.0},{5.6 + i % 4 * 0.1:0.0},virginica",
        })]);
        Assert.Equal(0, (await SwarmAsync("datasets", "upload", iris, "--name", "flowers")).Code);

        var (code, trained) = await RunAsync("train-and-register", "dataset=flowers", "target=species", "budget_s=3", "model_name=flowers-test", "min_score=0.8");

        Assert.True(code == 0, trained.ToJsonString());
        Assert.Equal(["profile", "train", "evaluate", "register"], trained["steps"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()));
        Assert.True(trained["metrics"]!["accuracy"]!.GetValue<double>() >= 0.8, trained.ToJsonString());
        var approvals = JsonNode.Parse((await SwarmAsync("approvals", "list", "--json")).Out)!.AsArray();
        var approval = Assert.Single(approvals);
        Assert.Contains("flowers-test", approval!.ToJsonString());

        var (scoreCode, scored) = await RunAsync("batch-score", "model=flowers-test", "stage=latest", "dataset=flowers", "output=" + Path.Combine(_root, "out", "predictions.csv"));
        Assert.True(scoreCode == 0, scored.ToJsonString());
        Assert.Equal(90, scored["metrics"]!["rows_scored"]!.GetValue<double>());
        var lines = await File.ReadAllLinesAsync(Path.Combine(_root, "out", "predictions.csv"));
        Assert.Equal(91, lines.Length);
        Assert.StartsWith("prediction,", lines[0]);

        var (_, unknown) = await RunAsync("batch-score", "model=flowers-test", "dataset=flowers");
        Assert.Contains("no \"production\" alias", unknown["error"]!.GetValue<string>());
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
