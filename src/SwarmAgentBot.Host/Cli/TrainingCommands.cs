using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Agents.Training;

namespace SwarmAgentBot.Host.Cli;

/// <summary><c>swarm worker train</c> (what a training job runs) and <c>swarm reproduce</c>.</summary>
public static class TrainingCommands
{
    /// <summary>Creates <c>train</c> under <c>swarm worker</c>: runs one recorded training run to its end.</summary>
    public static Command CreateWorkerTrain(CliContext context)
    {
        var id = new Option<long>("--id") { Description = "Training run id.", Required = true };
        var command = new Command("train", "Run a recorded training run (started by the training agent as a job).") { id };
        command.SetAction((ParseResult p, CancellationToken ct) =>
            context.Get<TrainingWorker>().RunAsync(p.GetValue(id), Environment.GetEnvironmentVariable("SWARM_JOB_ID") ?? "local-" + Environment.ProcessId, ct));
        return command;
    }

    /// <summary>Creates <c>swarm reproduce RUN --json</c>.</summary>
    public static Command CreateReproduce(CliContext context)
    {
        var run = new Argument<long>("run") { Description = "The run to reproduce." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("reproduce", "Retrain a recorded run with its config, seed and dataset, then compare metrics and model hash.") { run, json };
        command.SetAction(async (ParseResult p, CancellationToken ct) =>
        {
            var runs = context.Get<TrainingRunStore>();
            var original = await runs.GetAsync(p.GetValue(run), ct);
            if (original is null || original.Status != RunStatus.Succeeded)
            {
                await context.Error.WriteLineAsync(original is null ? $"There is no run {p.GetValue(run)}." : $"Run {original.Id} did not succeed ({original.Status}); nothing to reproduce.");
                return 2;
            }
            var copy = await runs.CreateAsync(original.ModelName, original.DatasetName, original.DatasetVersion, original.DatasetSha256, original.Target,
                (JsonObject)original.Config.DeepClone(), "reproduce", null, original.Id, ct);
            var code = await context.Get<TrainingWorker>().RunAsync(copy.Id, "cli-reproduce", ct);
            var again = (await runs.GetAsync(copy.Id, ct))!;
            var comparison = ReproductionReport.Compare(original, again);
            if (p.GetValue(json)) context.WriteJson(comparison);
            else await context.Out.WriteLineAsync(comparison.Summary);
            return code == 0 && comparison.MetricsMatch && comparison.ModelHashMatch ? 0 : 1;
        });
        return command;
    }
}
