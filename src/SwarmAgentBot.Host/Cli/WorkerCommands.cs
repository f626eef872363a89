using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
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
    /// → dataset_drift_share). Lists are left out.
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
            if (v.GetValueKind() == JsonValueKind.Number) metrics[name] = v.GetValue<double>();
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
