using System.CommandLine;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Agents.Pipeline;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Host.Cli;

/// <summary><c>swarm pipelines</c>: list, describe, run, watch, compare and cancel pipeline runs.</summary>
public static class PipelineCommands
{
    private static readonly TimeSpan WaitPoll = TimeSpan.FromMilliseconds(500);

    /// <summary>Creates the command group.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("pipelines", "Pipelines: list, describe, run, status, logs, compare, cancel.");
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Describe(context));
        command.Subcommands.Add(Run(context));
        command.Subcommands.Add(Runs(context));
        command.Subcommands.Add(Status(context));
        command.Subcommands.Add(Logs(context));
        command.Subcommands.Add(Cancel(context));
        command.Subcommands.Add(Retry(context));
        command.Subcommands.Add(Compare(context));
        return command;
    }

    private static Command List(CliContext context)
    {
        var json = Json();
        var command = new Command("list", "List the pipelines.") { json };
        SetAction(command, context, async (parse, pipelines, ct) =>
        {
            var all = await pipelines.ListPipelinesAsync(ct);
            if (parse.GetValue(json))
                context.WriteJson(all.Select(p => new { id = p.Id, name = p.Name, description = p.Description, versions = p.Versions.Select(v => new { id = v.Id, name = v.Name, created_at = v.CreatedAt }) }));
            else if (all.Count == 0) await context.Out.WriteLineAsync($"No pipelines on {pipelines.Describe()}.");
            else foreach (var p in all) await context.Out.WriteLineAsync($"{p.Name,-24} {p.Description}");
            return 0;
        });
        return command;
    }

    private static Command Describe(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Pipeline name." };
        var json = Json();
        var command = new Command("describe", "What a pipeline does: its parameters (types, defaults) and steps.") { name, json };
        SetAction(command, context, async (parse, pipelines, ct) =>
        {
            var p = await pipelines.DescribePipelineAsync(parse.GetValue(name)!, ct);
            if (parse.GetValue(json))
                context.WriteJson(new
                {
                    id = p.Id, name = p.Name, description = p.Description, version = p.VersionId,
                    parameters = p.Parameters.Select(x => new { name = x.Name, type = x.TypeName, @default = x.Default?.DeepClone(), required = x.Required, description = x.Description }),
                    steps = p.Steps.Select(s => new { name = s.Name, depends_on = s.DependsOn, description = s.Description }),
                });
            else await context.Out.WriteLineAsync(TextCardRenderer.Render(new BotReply($"{p.Name}: {p.Description}", [PipelineCards.Definition(p)])));
            return 0;
        });
        return command;
    }

    private static Command Run(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Pipeline name." };
        var parameters = new Option<string[]>("--param", "-p") { Description = "A parameter as name=value (repeatable)." };
        var wait = new Option<bool>("--wait") { Description = "Wait until the run ends and print its final state (exit code 1 unless it succeeded)." };
        var json = Json();
        var command = new Command("run", "Start a pipeline run.") { name, parameters, wait, json };
        SetAction(command, context, async (parse, pipelines, ct) =>
        {
            var request = new PipelineRunRequest(parse.GetValue(name)!, PipelineParameters.FromPairs(parse.GetValue(parameters) ?? []), StartedBy: Environment.UserName);
            // Locally the run is driven by its own process (Swarm:Pipelines:Local:Drive), so it goes on after this command returns or is interrupted.
            var run = await pipelines.StartRunAsync(request, ct);
            if (parse.GetValue(wait))
            {
                if (!parse.GetValue(json)) await context.Out.WriteLineAsync($"Started run {run.Id} of {run.Pipeline}; waiting for it to end...");
                while (!run.IsFinished)
                {
                    await Task.Delay(WaitPoll, ct);
                    run = await pipelines.GetRunAsync(run.Id, ct);
                }
            }
            await WriteRunAsync(context, run, parse.GetValue(json));
            return !parse.GetValue(wait) || run.State == PipelineRunState.Succeeded ? 0 : 1;
        });
        return command;
    }

    private static Command Runs(CliContext context)
    {
        var pipeline = new Option<string?>("--pipeline") { Description = "Only runs of this pipeline." };
        var status = new Option<string?>("--status") { Description = "Only runs in this state (PENDING, RUNNING, SUCCEEDED, FAILED, CANCELING, CANCELED)." };
        var limit = new Option<int>("--limit") { Description = "Runs per page.", DefaultValueFactory = _ => 20 };
        var page = new Option<string?>("--page-token") { Description = "Token printed by the previous page." };
        var json = Json();
        var command = new Command("runs", "List runs, newest first.") { pipeline, status, limit, page, json };
        SetAction(command, context, async (parse, pipelines, ct) =>
        {
            PipelineRunState? state = null;
            if (parse.GetValue(status) is { } s && (state = PipelineRunStates.Parse(s)) is null)
                throw new PipelineException($"'{s}' is not a run state; use PENDING, RUNNING, SUCCEEDED, FAILED, CANCELING or CANCELED.");
            var result = await pipelines.ListRunsAsync(new PipelineRunQuery(parse.GetValue(pipeline), state, parse.GetValue(limit), parse.GetValue(page)), ct);
            if (parse.GetValue(json))
                context.WriteJson(new { runs = result.Runs.Select(RunJson), next_page_token = result.NextPageToken, total_size = result.TotalSize });
            else
            {
                await context.Out.WriteLineAsync(TextCardRenderer.Render(new BotReply("", [PipelineCards.Runs(result.Runs, "Pipeline runs")])));
                if (result.NextPageToken is { } next) await context.Out.WriteLineAsync($"More: --page-token {next}");
            }
            return 0;
        });
        return command;
    }

    private static Command Status(CliContext context)
    {
        var run = RunArgument();
        var json = Json();
        var command = new Command("status", "State and per-step progress of a run.") { run, json };
        SetAction(command, context, async (parse, pipelines, ct) =>
        {
            await WriteRunAsync(context, await pipelines.GetRunAsync(parse.GetValue(run)!, ct), parse.GetValue(json));
            return 0;
        });
        return command;
    }

    private static Command Logs(CliContext context)
    {
        var run = RunArgument();
        var step = new Option<string?>("--step") { Description = "Only this step." };
        var tail = new Option<int?>("--tail") { Description = "Only the last N lines (of each step)." };
        var command = new Command("logs", "Logs of a run's steps.") { run, step, tail };
        SetAction(command, context, async (parse, pipelines, ct) =>
        {
            await context.Out.WriteAsync(await pipelines.GetLogsAsync(parse.GetValue(run)!, parse.GetValue(step), parse.GetValue(tail), ct));
            return 0;
        });
        return command;
    }

    private static Command Cancel(CliContext context)
    {
        var run = RunArgument();
        var command = new Command("cancel", "Stop a run (its running steps are killed).") { run };
        SetAction(command, context, async (parse, pipelines, ct) =>
        {
            var id = parse.GetValue(run)!;
            var before = await pipelines.GetRunAsync(id, ct);
            if (before.IsFinished)
            {
                await context.Out.WriteLineAsync($"Run {id} already ended ({before.State.ToWire()}); nothing to cancel.");
                return 0;
            }
            var after = await pipelines.CancelRunAsync(id, ct);
            await context.Get<AuditLog>().AppendAsync(Environment.UserName, "pipeline.cancel_run", "run:" + id, new JsonObject { ["via"] = "cli", ["pipeline"] = after.Pipeline }, cancellationToken: ct);
            await context.Out.WriteLineAsync($"Run {id} ({after.Pipeline}) is {after.State.ToWire()}.");
            return 0;
        });
        return command;
    }

    private static Command Retry(CliContext context)
    {
        var run = RunArgument();
        var json = Json();
        var command = new Command("retry", "Re-run the failed or canceled steps of a run.") { run, json };
        SetAction(command, context, async (parse, pipelines, ct) =>
        {
            await WriteRunAsync(context, await pipelines.RetryRunAsync(parse.GetValue(run)!, ct), parse.GetValue(json));
            return 0;
        });
        return command;
    }

    private static Command Compare(CliContext context)
    {
        var runs = new Argument<string[]>("runs") { Description = "Two or more run ids.", Arity = ArgumentArity.OneOrMore };
        var json = Json();
        var command = new Command("compare", "Parameters and metrics of runs side by side.") { runs, json };
        SetAction(command, context, async (parse, pipelines, ct) =>
        {
            var comparison = await pipelines.CompareRunsAsync(parse.GetValue(runs)!, ct);
            if (parse.GetValue(json))
                context.WriteJson(new { runs = comparison.Runs.Select(RunJson), parameters = comparison.ParameterNames, metrics = comparison.MetricNames });
            else await context.Out.WriteLineAsync(TextCardRenderer.Render(new BotReply("", [PipelineCards.Comparison(comparison)])));
            return 0;
        });
        return command;
    }

    private static async Task WriteRunAsync(CliContext context, PipelineRun run, bool json)
    {
        if (json) context.WriteJson(RunJson(run));
        else await context.Out.WriteLineAsync(TextCardRenderer.Render(new BotReply("", [PipelineCards.Run(run)])));
    }

    /// <summary>A run as CLI JSON (states spelled as Kubeflow does).</summary>
    public static object RunJson(PipelineRun r) => new
    {
        id = r.Id,
        pipeline = r.Pipeline,
        display_name = r.DisplayName,
        state = r.State.ToWire(),
        parameters = r.Parameters.ToDictionary(p => p.Key, p => p.Value?.DeepClone()),
        metrics = r.Metrics,
        steps = r.Steps.Select(s => new { name = s.Name, state = s.State.ToWire(), started_at = s.StartedAt, finished_at = s.FinishedAt, message = s.Message, metrics = s.Metrics }),
        created_at = r.CreatedAt,
        finished_at = r.FinishedAt,
        error = r.Error,
        started_by = r.StartedBy,
    };

    private static Option<bool> Json() => new("--json") { Description = "Print JSON." };

    private static Argument<string> RunArgument() => new("run") { Description = "Run id." };

    private static void SetAction(Command command, CliContext context, Func<ParseResult, IPipelineService, CancellationToken, Task<int>> action) =>
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            try
            {
                return await action(parse, context.Get<IPipelineService>(), ct);
            }
            catch (PipelineException ex)
            {
                await context.Error.WriteLineAsync(ex.Message);
                return 1;
            }
        });
}
