using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Agents.Storage;
using SwarmAgentBot.Agents.Agents.Training;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Integrations.Local;

namespace SwarmAgentBot.Host.Cli;

/// <summary>
/// <c>swarm worker</c>: what jobs run (a job is <c>swarm worker ...</c> as a local process or a
/// Kubernetes Job). Pipeline steps report metrics and outputs with <c>##metric name=value</c> and
/// <c>##output name=value</c> lines on standard output (see <see cref="StepReport"/>).
/// </summary>
public static class WorkerCommands
{
    /// <summary>Creates the command group.</summary>
    public static Command Create(CliContext context)
    {
        var worker = new Command("worker", "Commands that jobs run: pipeline steps and background work.");
        worker.Subcommands.Add(PipelineRun(context));
        worker.Subcommands.Add(TrainingCommands.CreateWorkerTrain(context));
        worker.Subcommands.Add(TrainModel(context));
        worker.Subcommands.Add(BatchScore(context));
        worker.Subcommands.Add(Step(context));
        worker.Subcommands.Add(Gate(context));
        worker.Subcommands.Add(Echo(context));
        return worker;
    }

    /// <summary><c>swarm worker pipeline-run --run ID</c>: drives a local pipeline run to its end (started by <c>swarm pipelines run</c>).</summary>
    private static Command PipelineRun(CliContext context)
    {
        var run = new Option<string>("--run") { Description = "The run to drive.", Required = true };
        var command = new Command("pipeline-run", "Drive a local pipeline run until it ends (exit code 0 when it succeeded).") { run };
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var engine = context.Get<LocalPipelineEngine>();
            var result = await engine.ExecuteAsync(parse.GetValue(run)!, ct);
            await context.Out.WriteLineAsync($"Run {result.Id} ({result.Pipeline}) ended {result.State.ToWire()}{(result.Error is null ? "" : ": " + result.Error)}");
            return result.State == PipelineRunState.Succeeded ? 0 : 1;
        });
        return command;
    }

    /// <summary>
    /// <c>swarm worker train-model --dataset NAME --target COL</c>: a pipeline step that trains with AutoML on
    /// a registered dataset the way the training agent does (a recorded training run, the model registered
    /// as a new version), in this process, and reports the run, model, version and test metrics.
    /// </summary>
    private static Command TrainModel(CliContext context)
    {
        var dataset = new Option<string>("--dataset") { Description = "Registered dataset name.", Required = true };
        var target = new Option<string>("--target") { Description = "Column to predict.", Required = true };
        var budget = new Option<int?>("--budget") { Description = "Time budget in seconds (default Swarm:Training:DefaultBudgetSeconds)." };
        var metric = new Option<string?>("--metric") { Description = "Metric to optimise (default: the task's)." };
        var model = new Option<string?>("--model") { Description = "Name to register under (default: DATASET-model)." };
        var command = new Command("train-model", "Train a model on a registered dataset as a pipeline step; reports run_id, model and version outputs and the test metrics.") { dataset, target, budget, metric, model };
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var datasets = context.Get<DatasetRegistry>();
            var options = context.Get<Microsoft.Extensions.Options.IOptions<TrainingOptions>>().Value;
            var data = await datasets.GetAsync(parse.GetValue(dataset)!, null, ct);
            if (data is null)
            {
                await context.Error.WriteLineAsync($"There is no dataset \"{parse.GetValue(dataset)}\". Upload it first: swarm datasets upload FILE --name NAME.");
                return 2;
            }
            var column = data.Columns.FirstOrDefault(c => c.Name.Equals(parse.GetValue(target), StringComparison.OrdinalIgnoreCase));
            if (column is null)
            {
                await context.Error.WriteLineAsync($"{data.Label} has no column \"{parse.GetValue(target)}\". Its columns: {string.Join(", ", data.Columns.Select(c => c.Name))}.");
                return 2;
            }
            var seconds = parse.GetValue(budget) ?? options.DefaultBudgetSeconds;
            if (seconds < 1 || seconds > options.MaxBudgetSeconds)
            {
                await context.Error.WriteLineAsync($"A time budget of {seconds} s is outside 1..{options.MaxBudgetSeconds} s (Swarm:Training:MaxBudgetSeconds).");
                return 2;
            }
            var name = parse.GetValue(model) is { Length: > 0 } m ? m : $"{data.Name}-model";
            ModelRegistry.ValidateName(name);
            var config = new JsonObject
            {
                ["task"] = null, ["metric"] = parse.GetValue(metric) is { Length: > 0 } x ? x.ToLowerInvariant() : null, ["budget_s"] = seconds, ["seed"] = options.DefaultSeed,
                ["dataset_key"] = data.ObjectKey, ["dataset_version"] = data.Version, ["target"] = column.Name,
            };
            var runs = context.Get<TrainingRunStore>();
            var run = await runs.CreateAsync(name, data.Name, data.Version, data.Sha256, column.Name, config, "pipeline", null, null, ct);
            await context.Out.WriteLineAsync($"Training run {run.Id}: {name} on {data.Label}, target {column.Name}, budget {seconds} s.");
            await context.Out.WriteLineAsync(StepReport.Output("run_id", run.Id.ToString(CultureInfo.InvariantCulture)));
            var code = await context.Get<TrainingWorker>().RunAsync(run.Id, Environment.GetEnvironmentVariable("SWARM_JOB_ID") ?? "pipeline-" + Environment.ProcessId, ct);
            var done = (await runs.GetAsync(run.Id, ct))!;
            if (done.Status != RunStatus.Succeeded)
            {
                await context.Error.WriteLineAsync($"Training run {run.Id} {done.Status}: {done.Error}");
                return code == 0 ? 1 : code;
            }
            await context.Out.WriteLineAsync(StepReport.Output("model", name));
            await context.Out.WriteLineAsync(StepReport.Output("version", done.ModelVersion?.ToString(CultureInfo.InvariantCulture) ?? ""));
            foreach (var (k, v) in done.Metrics ?? [])
                if (v is JsonValue n && n.GetValueKind() == JsonValueKind.Number) await context.Out.WriteLineAsync(StepReport.Metric(SnakeCase(k), n.GetValue<double>()));
            return 0;
        });
        return command;
    }

    /// <summary>
    /// <c>swarm worker batch-score --model M --stage S --dataset D</c>: a pipeline step that predicts every row
    /// of a registered dataset with a registered model version (an alias, a number or latest) and writes the
    /// predictions to a CSV file (written whole, then renamed into place).
    /// </summary>
    private static Command BatchScore(CliContext context)
    {
        var model = new Option<string>("--model") { Description = "Registered model name.", Required = true };
        var stage = new Option<string>("--stage") { Description = "Alias (staging, production), version number or latest.", DefaultValueFactory = _ => "production" };
        var dataset = new Option<string>("--dataset") { Description = "Registered dataset name.", Required = true };
        var output = new Option<string?>("--output") { Description = "CSV file to write (default: DataDir/predictions/MODEL-run-RUN.csv)." };
        var run = new Option<string?>("--run") { Description = "Pipeline run id, for the default file name." };
        var command = new Command("batch-score", "Score every row of a dataset with a registered model as a pipeline step; writes a predictions CSV.") { model, stage, dataset, output, run };
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var server = context.Get<ModelServer>();
            var datasets = context.Get<DatasetRegistry>();
            ModelVersion version;
            try
            {
                version = await server.ResolveAsync(parse.GetValue(model)!, parse.GetValue(stage)!, ct);
            }
            catch (ModelNotFoundException ex)
            {
                await context.Error.WriteLineAsync(ex.Message);
                return 2;
            }
            var data = await datasets.GetAsync(parse.GetValue(dataset)!, null, ct);
            if (data is null)
            {
                await context.Error.WriteLineAsync($"There is no dataset \"{parse.GetValue(dataset)}\". Upload it first: swarm datasets upload FILE --name NAME.");
                return 2;
            }
            var predictor = await server.GetPredictorAsync(version, ct);
            SwarmAgentBot.Ml.Tabular.TabularData table;
            await using (var stream = await datasets.OpenAsync(data, ct))
                table = await SwarmAgentBot.Ml.Tabular.CsvTable.LoadAsync(stream, data.Name, null, ct);
            IReadOnlyList<SwarmAgentBot.Ml.AutoMl.Prediction> predictions;
            try
            {
                predictions = predictor.PredictTable(table);
            }
            catch (SwarmAgentBot.Ml.Preparation.RecordValidationException ex)
            {
                await context.Error.WriteLineAsync($"{data.Label} does not fit {version.ModelName} v{version.Version}: {ex.Message}");
                return 2;
            }
            var swarm = context.Get<Microsoft.Extensions.Options.IOptions<SwarmAgentBot.Agents.Metadata.SwarmOptions>>().Value;
            var path = Path.GetFullPath(parse.GetValue(output) is { Length: > 0 } o ? o
                : Path.Combine(swarm.DataDirFullPath, "predictions", $"{version.ModelName}-run-{parse.GetValue(run) ?? DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture)}.csv"));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var partial = path + ".partial";
            await using (var writer = new StreamWriter(partial))
                await predictor.WriteCsvAsync(predictions, writer, ct);
            File.Move(partial, path, overwrite: true);
            await context.Out.WriteLineAsync($"Scored {predictions.Count} rows of {data.Label} with {version.ModelName} v{version.Version}; predictions in {path}.");
            await context.Out.WriteLineAsync(StepReport.Output("model", version.ModelName));
            await context.Out.WriteLineAsync(StepReport.Output("version", version.Version.ToString(CultureInfo.InvariantCulture)));
            await context.Out.WriteLineAsync(StepReport.Output("predictions", path));
            await context.Out.WriteLineAsync(StepReport.Metric("rows_scored", predictions.Count));
            return 0;
        });
        return command;
    }

    /// <summary>
    /// <c>swarm worker step -- &lt;swarm command&gt;</c>: runs another swarm command (one that prints JSON
    /// with --json) as a pipeline step, and turns its JSON result into step metrics and outputs.
    /// </summary>
    private static Command Step(CliContext context)
    {
        var inner = new Argument<string[]>("command") { Description = "The swarm command and its arguments (after --), e.g. -- train --data churn.csv --target Churn --json", Arity = ArgumentArity.OneOrMore };
        var command = new Command("step", "Run a swarm command as a pipeline step and report its JSON result as ##metric / ##output lines.") { inner };
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var args = parse.GetValue(inner)!;
            if (args.Length > 0 && args[0] == "worker")
            {
                await context.Error.WriteLineAsync("worker step runs a user-facing swarm command, not another worker command.");
                return 2;
            }
            var captured = new StringWriter(CultureInfo.InvariantCulture);
            var tee = new TeeWriter(context.Out, captured);
            await using var innerContext = new CliContext { Out = tee, Error = context.Error, In = TextReader.Null, Overrides = context.Overrides };
            var root = SwarmCli.Build(innerContext);
            var parsed = root.Parse(args);
            if (parsed.Errors.Count > 0)
            {
                await context.Error.WriteLineAsync($"swarm {string.Join(' ', args)} is not a command this build of swarm knows: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
                return 2;
            }
            var code = await parsed.InvokeAsync(new InvocationConfiguration { Output = tee, Error = context.Error }, ct);
            var (metrics, outputs) = Flatten(captured.ToString());
            foreach (var (k, v) in outputs) await context.Out.WriteLineAsync(StepReport.Output(k, v));
            foreach (var (k, v) in metrics) await context.Out.WriteLineAsync(StepReport.Metric(k, v));
            return code;
        });
        return command;
    }

    /// <summary>
    /// <c>swarm worker gate --run ID --step S --metric M --min X</c>: a quality gate. Passes (exit 0) when
    /// the metric step S of the run reported is within bounds, fails the step (exit 1) otherwise.
    /// </summary>
    private static Command Gate(CliContext context)
    {
        var run = new Option<string>("--run") { Description = "The pipeline run (use {{run.id}}).", Required = true };
        var step = new Option<string>("--step") { Description = "The step whose metric is checked.", Required = true };
        var metric = new Option<string>("--metric") { Description = "Metric name, e.g. f1.", Required = true };
        var min = new Option<double?>("--min") { Description = "Lowest acceptable value." };
        var max = new Option<double?>("--max") { Description = "Highest acceptable value." };
        var command = new Command("gate", "Check a metric an earlier step of the run reported against bounds; exit 1 when it is out of bounds.") { run, step, metric, min, max };
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var pipelines = context.Get<IPipelineService>();
            var current = await pipelines.GetRunAsync(parse.GetValue(run)!, ct);
            var stepName = parse.GetValue(step)!;
            var name = parse.GetValue(metric)!;
            var from = current.Steps.FirstOrDefault(s => s.Name == stepName);
            if (from is null)
            {
                await context.Error.WriteLineAsync($"Run {current.Id} has no step '{stepName}'. Steps: {string.Join(", ", current.Steps.Select(s => s.Name))}.");
                return 2;
            }
            if (!from.Metrics.TryGetValue(name, out var value))
            {
                await context.Error.WriteLineAsync($"Step '{stepName}' reported no metric '{name}'. It reported: {(from.Metrics.Count == 0 ? "none" : string.Join(", ", from.Metrics.Keys))}.");
                return 1;
            }
            await context.Out.WriteLineAsync(StepReport.Metric(name, value));
            var low = parse.GetValue(min);
            var high = parse.GetValue(max);
            var passed = (low is null || value >= low) && (high is null || value <= high);
            var bounds = string.Join(" and ", new[] { low is null ? null : $">= {low.Value.ToString(CultureInfo.InvariantCulture)}", high is null ? null : $"<= {high.Value.ToString(CultureInfo.InvariantCulture)}" }.Where(b => b is not null));
            await context.Out.WriteLineAsync(StepReport.Output("passed", passed ? "true" : "false"));
            await context.Out.WriteLineAsync(passed
                ? $"Gate passed: {name} = {value.ToString("0.####", CultureInfo.InvariantCulture)}{(bounds.Length == 0 ? "" : ", needed " + bounds)}."
                : $"Gate failed: {name} = {value.ToString("0.####", CultureInfo.InvariantCulture)}, needed {bounds}.");
            return passed ? 0 : 1;
        });
        return command;
    }

    /// <summary><c>swarm worker echo</c> (hidden): prints text and reports the given metrics and outputs. For tests of the job and pipeline plumbing.</summary>
    private static Command Echo(CliContext context)
    {
        var text = new Option<string?>("--text") { Description = "Text to print." };
        var metric = new Option<string[]>("--metric") { Description = "name=value metric to report (repeatable).", AllowMultipleArgumentsPerToken = false };
        var output = new Option<string[]>("--output") { Description = "name=value output to report (repeatable)." };
        var command = new Command("echo", "Print text and report metrics/outputs (test helper).") { text, metric, output };
        command.Hidden = true;
        command.SetAction(async (ParseResult parse, CancellationToken _) =>
        {
            if (parse.GetValue(text) is { } t) await context.Out.WriteLineAsync(t);
            foreach (var (k, v) in PipelineParameters.FromPairs(parse.GetValue(output) ?? []))
                await context.Out.WriteLineAsync(StepReport.Output(k, PipelineParameters.Text(v)));
            foreach (var (k, v) in PipelineParameters.FromPairs(parse.GetValue(metric) ?? []))
            {
                if (!double.TryParse(PipelineParameters.Text(v), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    await context.Error.WriteLineAsync($"Metric {k} must be a number, not '{PipelineParameters.Text(v)}'.");
                    return 2;
                }
                await context.Out.WriteLineAsync(StepReport.Metric(k, number));
            }
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Metrics and outputs from a command's JSON result, with names in snake_case: top-level numbers
    /// are metrics and top-level scalars outputs; inside an object whose name contains "metric"
    /// numbers are metrics under their own name (a "test" set wins over others); inside any other
    /// object scalars are outputs and numbers metrics named "parent_key" ("Dataset": {"DriftShare": 0.7}
    /// → dataset_drift_share). Ids and versions ("run_id", "version") are outputs only. Lists are left out.
    /// </summary>
    public static (Dictionary<string, double> Metrics, Dictionary<string, string> Outputs) Flatten(string printed)
    {
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonObject? result;
        try
        {
            result = JsonNode.Parse(printed.Trim()) as JsonObject;
        }
        catch (JsonException)
        {
            return (metrics, outputs);
        }
        if (result is null) return (metrics, outputs);
        foreach (var (key, node) in result.OrderBy(p => p.Key.Contains("test", StringComparison.OrdinalIgnoreCase)))
        {
            switch (node)
            {
                case JsonValue v:
                    Add(SnakeCase(key), v);
                    break;
                case JsonObject obj when key.Contains("metric", StringComparison.OrdinalIgnoreCase):
                    foreach (var (name, inner) in obj)
                        if (inner is JsonValue n && n.GetValueKind() == JsonValueKind.Number) metrics[SnakeCase(name)] = n.GetValue<double>();
                    break;
                case JsonObject obj:
                    foreach (var (name, inner) in obj)
                        if (inner is JsonValue s) Add(SnakeCase(key) + "_" + SnakeCase(name), s);
                    break;
            }
        }
        return (metrics, outputs);

        void Add(string name, JsonValue v)
        {
            outputs[name] = v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
            // Ids and version numbers identify things; they are not measurements to compare.
            var identifier = name == "id" || name.EndsWith("_id", StringComparison.Ordinal) || name == "version" || name.EndsWith("_version", StringComparison.Ordinal);
            if (v.GetValueKind() == JsonValueKind.Number && !identifier) metrics[name] = v.GetValue<double>();
        }
    }

    /// <summary>"DriftShare" → "drift_share", "test-f1" → "test_f1", "f1" → "f1".</summary>
    public static string SnakeCase(string name)
    {
        var sb = new System.Text.StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsAsciiLetterUpper(c))
            {
                if (i > 0 && (char.IsAsciiLetterLower(name[i - 1]) || char.IsAsciiDigit(name[i - 1]) || (i + 1 < name.Length && char.IsAsciiLetterLower(name[i + 1]) && char.IsAsciiLetterUpper(name[i - 1]))))
                    sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }
        return sb.ToString().Trim('_');
    }

    /// <summary>Writes to two writers: the step's real output and a copy to parse.</summary>
    private sealed class TeeWriter(TextWriter first, TextWriter second) : TextWriter
    {
        public override System.Text.Encoding Encoding => first.Encoding;

        public override void Write(char value)
        {
            first.Write(value);
            second.Write(value);
        }

        public override void Write(string? value)
        {
            first.Write(value);
            second.Write(value);
        }

        public override void Flush() => first.Flush();
    }
}
