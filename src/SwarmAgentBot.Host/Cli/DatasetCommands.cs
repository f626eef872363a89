using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Agents.Storage;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Ml.Profiling;

namespace SwarmAgentBot.Host.Cli;

/// <summary><c>swarm datasets</c>: upload, list, preview, profile and delete datasets (an admin tool).</summary>
public static class DatasetCommands
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("datasets", "Manage datasets: upload, list, preview, profile, delete.");
        command.Subcommands.Add(Upload(context));
        command.Subcommands.Add(List(context));
        command.Subcommands.Add(Preview(context));
        command.Subcommands.Add(Profile(context));
        command.Subcommands.Add(Delete(context));
        return command;
    }

    /// <summary>Who runs the CLI, for the registry and the audit log.</summary>
    internal static string Actor => Environment.GetEnvironmentVariable("USER") is { Length: > 0 } user ? user : "cli";

    private static Command Upload(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "A CSV file (delimiter , ; tab or | is detected)." };
        var name = new Option<string?>("--name") { Description = "Dataset name (default: the file name without .csv)." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("upload", "Store a CSV file as a new dataset version (same content → same version).") { file, name, json };
        command.SetAction((ParseResult parse, CancellationToken ct) => RunAsync(context, async () =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path)) throw new DatasetException($"No file '{path}'.");
            var upload = await UploadFileAsync(context, path, parse.GetValue(name), Actor, ct);
            var d = upload.Dataset;
            if (parse.GetValue(json)) context.WriteJson(new { dataset = d.Name, version = d.Version, already_existed = upload.AlreadyExisted, rows = d.RowCount, columns = d.Columns.Count, size_bytes = d.SizeBytes, sha256 = d.Sha256, location = d.Location });
            else await context.Out.WriteLineAsync(upload.AlreadyExisted
                ? $"{d.Label} already holds this content; nothing new was stored."
                : $"Stored {d.Label}: {d.RowCount:N0} rows x {d.Columns.Count} columns, {DatasetRegistry.FormatBytes(d.SizeBytes)} at {d.Location}");
        }));
        return command;
    }

    /// <summary>Uploads a local file through the registry and records it in the audit log (shared with <c>swarm seed</c>).</summary>
    internal static async Task<DatasetUpload> UploadFileAsync(CliContext context, string path, string? name, string actor, CancellationToken ct)
    {
        await using var stream = File.OpenRead(path);
        var upload = await context.Get<DatasetRegistry>().UploadAsync(name ?? Path.GetFileName(path), stream, actor, Path.GetFileName(path), ct);
        if (!upload.AlreadyExisted)
            await context.Get<AuditLog>().AppendAsync(actor, "storage.upload_dataset", "dataset:" + upload.Dataset.Name,
                new JsonObject { ["version"] = upload.Dataset.Version, ["sha256"] = upload.Dataset.Sha256, ["file"] = Path.GetFileName(path), ["via"] = "cli" }, cancellationToken: ct);
        return upload;
    }

    private static Command List(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("list", "List datasets with their versions.") { json };
        command.SetAction((ParseResult parse, CancellationToken ct) => RunAsync(context, async () =>
        {
            var all = await context.Get<DatasetRegistry>().ListAsync(ct);
            var groups = all.GroupBy(d => d.Name).ToList();
            if (parse.GetValue(json))
            {
                context.WriteJson(groups.Select(g => new
                {
                    name = g.Key,
                    latest_version = g.First().Version,
                    columns = g.First().Columns.Select(c => new { name = c.Name, type = c.Type.ToString() }),
                    versions = g.Select(d => new { version = d.Version, rows = d.RowCount, size_bytes = d.SizeBytes, sha256 = d.Sha256, location = d.Location, uploaded_by = d.UploadedBy, uploaded_at = d.UploadedAt }),
                }));
                return;
            }
            if (groups.Count == 0) { await context.Out.WriteLineAsync("No datasets yet. Try: swarm datasets upload FILE.csv (or swarm seed)."); return; }
            foreach (var g in groups)
            {
                var d = g.First();
                await context.Out.WriteLineAsync($"{d.Name,-24} v{d.Version,-3} {d.RowCount,10:N0} rows {d.Columns.Count,4} cols {DatasetRegistry.FormatBytes(d.SizeBytes),9}  versions: {string.Join(",", g.Select(v => v.Version).Reverse())}  {d.UploadedAt:yyyy-MM-dd} by {d.UploadedBy}");
            }
        }));
        return command;
    }

    private static Command Preview(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Dataset name." };
        var rows = new Option<int>("--rows") { Description = "Rows to show.", DefaultValueFactory = _ => 10 };
        var version = new Option<int?>("--version") { Description = "Version (default: latest)." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("preview", "Show the first rows of a dataset.") { name, rows, version, json };
        command.SetAction((ParseResult parse, CancellationToken ct) => RunAsync(context, async () =>
        {
            var registry = context.Get<DatasetRegistry>();
            var dataset = await FindAsync(registry, parse.GetValue(name)!, parse.GetValue(version), ct);
            CsvPreview preview;
            await using (var stream = await registry.OpenAsync(dataset, ct))
                preview = await CsvReading.PreviewAsync(stream, Math.Clamp(parse.GetValue(rows), 0, 10_000), (byte)dataset.Delimiter, ct);
            if (parse.GetValue(json))
            {
                context.WriteJson(new { dataset = dataset.Name, version = dataset.Version, delimiter = preview.Delimiter.ToString(), columns = preview.Columns, rows = preview.Rows });
                return;
            }
            await context.Out.WriteLineAsync(string.Join(" | ", preview.Columns));
            foreach (var row in preview.Rows) await context.Out.WriteLineAsync(string.Join(" | ", row));
        }));
        return command;
    }

    private static Command Profile(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Dataset name." };
        var target = new Option<string?>("--target") { Description = "Label column: also show its class balance." };
        var version = new Option<int?>("--version") { Description = "Version (default: latest)." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("profile", "Per column type, missing values, distinct values, summary; label balance with --target.") { name, target, version, json };
        command.SetAction((ParseResult parse, CancellationToken ct) => RunAsync(context, async () =>
        {
            var registry = context.Get<DatasetRegistry>();
            var dataset = await FindAsync(registry, parse.GetValue(name)!, parse.GetValue(version), ct);
            var profile = await registry.GetProfileAsync(dataset, ct);
            LabelBalance? balance = null;
            string? balanceProblem = null;
            if (parse.GetValue(target) is { } t)
            {
                var column = profile.Find(t) ?? throw new DatasetException($"{dataset.Label} has no column '{t}'. Its columns are: {string.Join(", ", profile.Columns.Select(c => c.Name))}.");
                balance = LabelBalance.From(column, out balanceProblem);
            }
            if (parse.GetValue(json))
            {
                context.WriteJson(new
                {
                    dataset = dataset.Name,
                    version = dataset.Version,
                    rows = profile.Rows,
                    delimiter = profile.Delimiter.ToString(),
                    columns = profile.Columns.Select(c => new
                    {
                        name = c.Name, type = c.Type.ToString(), count = c.Count, missing = c.Missing, missing_pct = c.MissingPercent,
                        distinct = c.Distinct, distinct_is_estimate = c.DistinctIsEstimate, min = c.Min, max = c.Max, mean = c.Mean, std = c.Std,
                        min_text = c.MinText, max_text = c.MaxText,
                        top_values = c.TopValues.Take(10).Select(v => new { value = v.Value, count = v.Count }), top_values_exact = c.TopValuesExact,
                    }),
                    label_balance = balance is null ? null : new
                    {
                        column = balance.Column, majority_share = balance.MajorityShare, imbalance_ratio = balance.ImbalanceRatio,
                        classes = balance.Classes.Select(c => new { value = c.Value, count = c.Count, share = c.Share }),
                    },
                    label_problem = balanceProblem,
                });
                return;
            }
            await context.Out.WriteLineAsync($"{dataset.Label}: {profile.Rows:N0} rows, {profile.Columns.Count} columns ({CsvSniffer.Describe((byte)profile.Delimiter)}-separated)");
            foreach (var c in profile.Columns)
            {
                var summary = c.IsNumeric
                    ? string.Create(CultureInfo.InvariantCulture, $"min {c.Min:G6} max {c.Max:G6} mean {c.Mean:G6} std {c.Std:G6}")
                    : string.Join(", ", c.TopValues.Take(3).Select(v => $"{v.Value} ({v.Count:N0})"));
                await context.Out.WriteLineAsync($"  {c.Name,-24} {c.Type,-11} missing {c.MissingPercent,6:0.##}%  distinct {c.DistinctText,9}  {summary}");
            }
            if (balance is not null)
                await context.Out.WriteLineAsync($"Label balance of {balance.Column}: " + string.Join(", ", balance.Classes.Select(c => $"{c.Value} {c.Count:N0} ({c.Share:0.#%})")));
            if (balanceProblem is not null) await context.Out.WriteLineAsync(balanceProblem);
        }));
        return command;
    }

    private static Command Delete(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "Dataset name." };
        var version = new Option<int?>("--version") { Description = "Only this version (default: every version)." };
        var yes = new Option<bool>("--yes") { Description = "Do not ask for confirmation." };
        var command = new Command("delete", "Delete a dataset (asks for confirmation unless --yes; recorded in the audit log).") { name, version, yes };
        command.SetAction((ParseResult parse, CancellationToken ct) => RunAsync(context, async () =>
        {
            var registry = context.Get<DatasetRegistry>();
            var dataset = await FindAsync(registry, parse.GetValue(name)!, parse.GetValue(version), ct);
            var only = parse.GetValue(version);
            var versions = (await registry.ListAsync(ct)).Where(d => d.Name == dataset.Name && (only is null || d.Version == only)).OrderBy(d => d.Version).ToList();
            var what = $"dataset {dataset.Name} ({string.Join(", ", versions.Select(d => "v" + d.Version))})";
            if (!parse.GetValue(yes))
            {
                await context.Out.WriteAsync($"Delete {what} and its files? This cannot be undone. [y/N] ");
                var answer = (await context.In.ReadLineAsync(ct))?.Trim();
                if (answer is not ("y" or "Y" or "yes" or "YES"))
                {
                    await context.Out.WriteLineAsync("Nothing was deleted.");
                    return;
                }
            }
            var removed = await registry.DeleteAsync(dataset.Name, only, ct);
            // The CLI is the admin path: no approval gate, but every deletion is on the record.
            await context.Get<AuditLog>().AppendAsync(Actor, "storage.delete_dataset", "dataset:" + dataset.Name,
                new JsonObject { ["versions"] = new JsonArray(removed.Select(d => (JsonNode)d.Version).ToArray()), ["via"] = "cli", ["confirmed"] = parse.GetValue(yes) ? "--yes" : "prompt" }, cancellationToken: ct);
            await context.Out.WriteLineAsync($"Deleted {what}.");
        }));
        return command;
    }

    private static async Task<DatasetVersion> FindAsync(DatasetRegistry registry, string name, int? version, CancellationToken ct)
    {
        if (DatasetRegistry.NameProblem(name) is { } problem) throw new DatasetException(problem);
        return await registry.GetAsync(name, version, ct) ?? throw new DatasetException(await registry.GetAsync(name, null, ct) is { } other
            ? $"Dataset {other.Name} has no version {version}."
            : $"There is no dataset called '{name}'. See: swarm datasets list");
    }

    /// <summary>Runs a command body; user errors print one line to stderr and exit with 1.</summary>
    internal static async Task<int> RunAsync(CliContext context, Func<Task> body)
    {
        try
        {
            await body();
            return 0;
        }
        catch (Exception ex) when (ex is DatasetException or ObjectStoreException or CsvFormatException or IOException or UnauthorizedAccessException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            await context.Error.WriteLineAsync(ex.Message);
            return 1;
        }
    }
}
