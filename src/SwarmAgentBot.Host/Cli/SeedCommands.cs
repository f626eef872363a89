using System.CommandLine;

namespace SwarmAgentBot.Host.Cli;

/// <summary>What a seed step gets: the CLI's services and where the demo files are.</summary>
/// <param name="Cli">Services and console streams.</param>
/// <param name="DemoDir">The repository's demo/ folder.</param>
/// <param name="Actor">Who seeds (recorded as uploader / in the audit log).</param>
public sealed record SeedContext(CliContext Cli, string DemoDir, string Actor);

/// <summary>One idempotent step of <c>swarm seed</c>: running it twice changes nothing the second time.</summary>
/// <param name="Name">Shown while seeding.</param>
/// <param name="RunAsync">Does the work and returns one line saying what it did.</param>
public sealed record SeedStep(string Name, Func<SeedContext, CancellationToken, Task<string>> RunAsync);

/// <summary><c>swarm seed</c>: loads the demo data, step by step. Features add their step to <see cref="Steps"/>.</summary>
public static class SeedCommands
{
    /// <summary>The steps, in order. Add yours here (datasets first: later steps may use them).</summary>
    public static IReadOnlyList<SeedStep> Steps { get; } =
    [
        new("datasets", SeedDatasetsAsync),
    ];

    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var demo = new Option<string?>("--demo") { Description = "The demo folder (default: demo/ of the repository, found from the current or the program's folder)." };
        var command = new Command("seed", "Load the demo data (idempotent: run it as often as you like).") { demo };
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var folder = parse.GetValue(demo) ?? FindDemoFolder();
            if (folder is null || !Directory.Exists(folder))
            {
                await context.Error.WriteLineAsync($"No demo folder {(folder is null ? "found (looked for demo/ above the current and the program's folder)" : $"'{folder}'")}; pass --demo DIR.");
                return 1;
            }
            var seed = new SeedContext(context, Path.GetFullPath(folder), "seed");
            foreach (var step in Steps)
            {
                var status = await DatasetCommands.RunAsync(context, async () => await context.Out.WriteLineAsync($"[{step.Name}] {await step.RunAsync(seed, ct)}"));
                if (status != 0)
                {
                    await context.Error.WriteLineAsync($"Seeding stopped at step '{step.Name}'.");
                    return status;
                }
            }
            return 0;
        });
        return command;
    }

    private static async Task<string> SeedDatasetsAsync(SeedContext seed, CancellationToken ct)
    {
        var lines = new List<string>();
        foreach (var file in Directory.EnumerateFiles(seed.DemoDir, "*.csv").Order(StringComparer.Ordinal))
        {
            var upload = await DatasetCommands.UploadFileAsync(seed.Cli, file, null, seed.Actor, ct);
            lines.Add(upload.AlreadyExisted ? $"{upload.Dataset.Label} already present" : $"{upload.Dataset.Label} stored ({upload.Dataset.RowCount:N0} rows)");
        }
        return lines.Count == 0 ? "no CSV files in " + seed.DemoDir : string.Join("; ", lines);
    }

    private static string? FindDemoFolder()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "demo");
                if (File.Exists(Path.Combine(candidate, "churn.csv"))) return candidate;
            }
        return null;
    }
}
