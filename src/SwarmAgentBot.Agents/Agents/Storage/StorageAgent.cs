using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Ml.Profiling;

namespace SwarmAgentBot.Agents.Agents.Storage;

/// <summary>
/// The storage agent: datasets (list, upload, preview, profile, plot, delete) and the artifacts
/// runs and models leave in the object store. It asks which dataset when that is unclear, and
/// remembers the dataset it worked on so "profile it" follows on.
/// </summary>
public sealed class StorageAgent(
    DatasetRegistry registry,
    DatasetPlotter plotter,
    IObjectStore store,
    IHttpClientFactory http,
    IOptions<StorageOptions> options,
    IOptions<SecurityOptions> security,
    ILogger<StorageAgent> logger) : IAgent
{
    /// <summary>Name of the HTTP client used to download attachments sent as links.</summary>
    public const string DownloadClient = "storage-downloads";

    private const int MaxPreviewRows = 50;
    private const int MaxListed = 50;

    /// <inheritdoc />
    public string Name => "storage";

    /// <inheritdoc />
    public IReadOnlyList<IntentDescriptor> Intents { get; } =
    [
        new("storage.list_datasets", "List the registered datasets with their versions, rows and size, or the files under a prefix of the object store.",
            Schema(("prefix", "string", "List files under this key prefix instead of datasets"), ("bucket", "string", "Bucket of the prefix (must be the configured one)")),
            Examples: ["list datasets", "what datasets do we have?", "list files under incoming/"]),
        new("storage.upload_dataset", "Store an attached CSV (or an s3:// URL or object key in the configured store) as a new dataset version.",
            Schema(("dataset", "string", "Name for the dataset, or an s3:// URL / object key to import"), ("bucket", "string", "Bucket of an object key")),
            Examples: ["upload this as churn", "import s3://datasets/incoming/churn.csv as churn"]),
        new("storage.preview_dataset", "Show the first rows of a dataset.",
            Schema(("dataset", "string", "Dataset name"), ("rows", "integer", "How many rows (default 10, at most 50)"), ("version", "integer", "Version (default latest)")),
            Examples: ["preview churn.csv", "show the first 20 rows of churn.csv"]),
        new("storage.profile_dataset", "Per column type, missing values, distinct values, numeric summary or top categories, and the label balance of a target column.",
            Schema(("dataset", "string", "Dataset name"), ("column", "string", "Target column whose label balance to show"), ("target", "string", "Same as column"), ("version", "integer", "Version (default latest)")),
            Examples: ["profile churn.csv", "profile churn.csv with target churn"]),
        new("storage.plot_dataset", "Chart one column (histogram or bar) or two (scatter, or mean per category) as an image.",
            Schema(("dataset", "string", "Dataset name"), ("column", "string", "Column to plot (x)"), ("column2", "string", "Second column (y)"), ("version", "integer", "Version (default latest)")),
            Examples: ["plot tenure in churn.csv", "plot tenure vs monthly_charges in churn.csv"]),
        new("storage.list_artifacts", "List the files a run or a model version produced (runs/{run_id}/ or models/{model}/{version}/).",
            Schema(("run_id", "string", "Run id"), ("model", "string", "Model name"), ("version", "integer", "Model version")),
            Examples: ["artifacts of run 12", "files of churn-model v3"]),
        new("storage.delete_dataset", "Delete a dataset (all versions, or one) after approval.",
            Schema(("dataset", "string", "Dataset name"), ("version", "integer", "Only this version")),
            Mutating: true, Examples: ["delete dataset churn", "delete dataset old-churn.csv"]),
    ];

    /// <inheritdoc />
    public async Task<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken = default)
    {
        try
        {
            return request.Intent switch
            {
                "storage.list_datasets" => await ListDatasetsAsync(request, cancellationToken),
                "storage.upload_dataset" => await UploadAsync(request, cancellationToken),
                "storage.preview_dataset" => await PreviewAsync(request, cancellationToken),
                "storage.profile_dataset" => await ProfileAsync(request, cancellationToken),
                "storage.plot_dataset" => await PlotAsync(request, cancellationToken),
                "storage.list_artifacts" => await ListArtifactsAsync(request, cancellationToken),
                "storage.delete_dataset" => await ProposeDeleteAsync(request, cancellationToken),
                _ => AgentResult.Fail($"The storage agent does not handle {request.Intent}."),
            };
        }
        catch (DatasetException ex)
        {
            return AgentResult.Fail(ex.Message);
        }
        catch (CsvFormatException ex)
        {
            return AgentResult.Fail(ex.Message);
        }
        catch (ObjectStoreException ex)
        {
            logger.LogWarning(ex, "Object store failure on {Intent}", request.Intent);
            return AgentResult.Fail($"{ex.Message}{(ex.Message.Contains("Nothing was stored", StringComparison.Ordinal) ? "" : " Nothing was changed.")}");
        }
    }

    /// <inheritdoc />
    public async Task<AgentResult> ExecuteApprovedAsync(ApprovedAction action, CancellationToken cancellationToken = default)
    {
        if (action.Intent != "storage.delete_dataset") return AgentResult.Fail($"The storage agent has no approved action {action.Intent}.");
        var name = action.Arguments["dataset"]?.GetValue<string>() ?? "";
        int? version = action.Arguments["version"] is JsonValue v ? v.GetValue<int>() : null;
        var removed = await registry.DeleteAsync(name, version, cancellationToken);
        if (removed.Count == 0)
            return AgentResult.Fail($"Dataset {name}{(version is null ? "" : $" v{version}")} was already gone; nothing was deleted.");
        var versions = string.Join(", ", removed.OrderBy(d => d.Version).Select(d => "v" + d.Version));
        return AgentResult.Ok($"Deleted dataset **{name}** ({versions}) from the registry and {store.Describe()}.");
    }

    private async Task<AgentResult> ListDatasetsAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        if (request.Get("prefix") is not null || request.Get("bucket") is not null)
            return await ListObjectsAsync(request.Get("bucket"), request.Get("prefix") ?? "", cancellationToken);

        var versions = await registry.ListAsync(cancellationToken);
        if (versions.Count == 0)
            return AgentResult.Ok($"There are no datasets yet in {store.Describe()}. Attach a CSV and say \"upload this as churn\", or run `swarm seed` for the demo data.");
        var byName = versions.GroupBy(v => v.Name).ToList();
        var rows = byName.Select(g =>
        {
            var latest = g.First();
            return (IReadOnlyList<string>)[latest.Name, "v" + latest.Version, string.Join(", ", g.Select(v => "v" + v.Version).Reverse()), latest.RowCount.ToString("N0", CultureInfo.InvariantCulture),
                latest.Columns.Count.ToString(CultureInfo.InvariantCulture), DatasetRegistry.FormatBytes(latest.SizeBytes), $"{latest.UploadedAt:yyyy-MM-dd} by {latest.UploadedBy}"];
        }).ToList();
        var card = new Card($"Datasets in {store.Describe()}", [new CardTable(["Dataset", "Latest", "Versions", "Rows", "Columns", "Size", "Uploaded"], rows)]);
        return AgentResult.Ok(new BotReply($"{byName.Count} dataset{(byName.Count == 1 ? "" : "s")}, {versions.Count} version{(versions.Count == 1 ? "" : "s")} in all.", [card]));
    }

    private async Task<AgentResult> ListObjectsAsync(string? bucket, string prefix, CancellationToken cancellationToken)
    {
        if (BucketProblem(bucket) is { } problem) return AgentResult.Fail(problem);
        if (ObjectKeys.PrefixProblem(prefix) is { } bad) return AgentResult.Fail($"'{prefix}' is not a usable prefix: {bad}.");
        var objects = await store.ListAsync(prefix, cancellationToken).Take(MaxListed + 1).ToListAsync(cancellationToken);
        var where = store.Describe().TrimEnd('/') + "/" + prefix;
        if (objects.Count == 0) return AgentResult.Ok($"There are no files under {where}.");
        return AgentResult.Ok(new BotReply(
            objects.Count > MaxListed ? $"The first {MaxListed} files under {where}:" : $"{objects.Count} file{(objects.Count == 1 ? "" : "s")} under {where}:",
            [new Card("Files", [ObjectTable(objects.Take(MaxListed), prefix)])]));
    }

    private async Task<AgentResult> UploadAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var who = request.Turn.User.Name ?? request.Turn.User.Id;
        var named = request.Get("dataset");
        if (request.Attachments.Count > 0)
        {
            var results = new List<DatasetUpload>();
            foreach (var file in request.Attachments)
            {
                var name = request.Attachments.Count == 1 && named is not null && !named.Contains("://", StringComparison.Ordinal) ? named : file.Name;
                if (DatasetRegistry.FileTypeProblem(file.Name) is { } typeProblem) return AgentResult.Fail(typeProblem);
                await using var content = await OpenAttachmentAsync(file, cancellationToken);
                results.Add(await registry.UploadAsync(name, content, who, file.Name, cancellationToken));
            }
            return UploadReply(results);
        }

        if (named is null && request.Get("bucket") is null)
            return AgentResult.Fail("Attach a CSV file to your message and say \"upload this as NAME\" (or name an s3:// URL or an object key in "
                                    + store.Describe() + "). " + DatasetRegistry.SupportedFormats);

        var (key, keyProblem) = SourceKey(request.Get("bucket"), named ?? "");
        if (keyProblem is not null) return AgentResult.Fail(keyProblem);
        if (await store.StatAsync(key!, cancellationToken) is null)
            return AgentResult.Fail(key!.Contains('/') || key.Contains('.')
                ? $"There is no file {store.Describe().TrimEnd('/')}/{key}. Check the key with \"list files under {ParentOf(key)}\", or attach the CSV to your message."
                : $"To upload, attach a CSV file to your message and say \"upload this as {key}\" (or name an s3:// URL or object key). " + DatasetRegistry.SupportedFormats);
        var fileName = key!.Split('/')[^1];
        if (DatasetRegistry.FileTypeProblem(fileName) is { } problem) return AgentResult.Fail(problem);
        await using var stream = await store.OpenReadAsync(key, cancellationToken);
        return UploadReply([await registry.UploadAsync(fileName, stream, who, key, cancellationToken)]);
    }

    private AgentResult UploadReply(IReadOnlyList<DatasetUpload> uploads)
    {
        var cards = uploads.Select(u => new Card(u.AlreadyExisted ? $"{u.Dataset.Label} (unchanged)" : $"Stored {u.Dataset.Label}", [new CardFacts(DatasetFacts(u.Dataset))])).ToList();
        var lines = uploads.Select(u => u.AlreadyExisted
            ? $"**{u.Dataset.Name}** already has exactly this content as v{u.Dataset.Version}; nothing new was stored."
            : $"Stored **{u.Dataset.Label}**: {u.Dataset.RowCount:N0} rows × {u.Dataset.Columns.Count} columns ({DatasetRegistry.FormatBytes(u.Dataset.SizeBytes)}, {CsvSniffer.Describe((byte)u.Dataset.Delimiter)}-separated).");
        var last = uploads[^1].Dataset;
        return new AgentResult
        {
            Reply = new BotReply(string.Join("\n", lines) + $"\n\nNext: \"profile dataset {last.Name}\" or \"preview dataset {last.Name}\".", cards),
            Remember = Remember(last),
            Metrics = new Dictionary<string, double> { ["rows"] = last.RowCount, ["columns"] = last.Columns.Count, ["version"] = last.Version },
        };
    }

    private async Task<AgentResult> PreviewAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var rowsWanted = (int)Math.Clamp(request.GetNumber("rows") ?? 10, 1, MaxPreviewRows);
        var resolved = await ResolveDatasetAsync(request, "preview", n => $"preview dataset {n}", cancellationToken);
        if (resolved.Stop is { } stop) return stop;
        var dataset = resolved.Dataset!;
        CsvPreview preview;
        await using (var stream = await registry.OpenAsync(dataset, cancellationToken))
            preview = await CsvReading.PreviewAsync(stream, rowsWanted, (byte)dataset.Delimiter, cancellationToken);

        const int maxColumns = 12;
        var columns = preview.Columns.Take(maxColumns).ToList();
        var rows = preview.Rows.Select(r => (IReadOnlyList<string>)r.Take(maxColumns).Select(c => Clip(c, 40)).ToList()).ToList();
        var elements = new List<CardElement> { new CardTable(columns, rows) };
        if (preview.Columns.Count > maxColumns)
            elements.Add(new CardText($"… and {preview.Columns.Count - maxColumns} more columns: {string.Join(", ", preview.Columns.Skip(maxColumns))}.", Subtle: true));
        var text = $"{resolved.Note}The first {rows.Count} of {dataset.RowCount:N0} rows of **{dataset.Label}**:";
        return AgentResult.Ok(new BotReply(text, [new Card($"{dataset.Label} — preview", elements)]), Remember(dataset));
    }

    private async Task<AgentResult> ProfileAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var target = request.Get("target") ?? request.Get("column");
        var resolved = await ResolveDatasetAsync(request, "profile", n => target is null ? $"profile dataset {n}" : $"profile dataset {n} with target {target}", cancellationToken);
        if (resolved.Stop is { } stop) return stop;
        var dataset = resolved.Dataset!;
        var profile = await registry.GetProfileAsync(dataset, cancellationToken);

        ColumnProfile? targetColumn = null;
        if (target is not null && (targetColumn = profile.Find(target)) is null)
            return AgentResult.Fail($"{dataset.Label} has no column '{target}'. Its columns are: {string.Join(", ", profile.Columns.Select(c => c.Name))}.");

        var table = new CardTable(["Column", "Type", "Missing", "Distinct", "Summary"],
            profile.Columns.Select(c => (IReadOnlyList<string>)[c.Name, TypeName(c.Type), $"{c.MissingPercent:0.##}%", c.DistinctText, Summary(c)]).ToList());
        var totalCells = (double)Math.Max(1, profile.Rows * profile.Columns.Count);
        var missingShare = profile.Columns.Sum(c => c.Missing) / totalCells;
        var facts = new CardFacts(
        [
            new("Rows", profile.Rows.ToString("N0", CultureInfo.InvariantCulture)),
            new("Columns", profile.Columns.Count.ToString(CultureInfo.InvariantCulture)),
            new("Missing cells", $"{missingShare:0.##%}"),
            new("Delimiter", CsvSniffer.Describe((byte)profile.Delimiter)),
            new("Size", DatasetRegistry.FormatBytes(dataset.SizeBytes)),
        ]);
        var elements = new List<CardElement> { facts, table };
        var metrics = new Dictionary<string, double> { ["rows"] = profile.Rows, ["columns"] = profile.Columns.Count, ["missing_pct"] = Math.Round(100 * missingShare, 4) };
        var text = $"{resolved.Note}Profile of **{dataset.Label}** ({profile.Rows:N0} rows, {profile.Columns.Count} columns).";

        if (targetColumn is not null)
        {
            // A named target always gets its balance (or why it has none); a column asked about gets its facts, plus the balance when it holds classes.
            var isTarget = request.Get("target") is not null;
            if (!isTarget)
            {
                elements.Add(new CardText($"**Column {targetColumn.Name}**:"));
                elements.Add(new CardFacts(
                [
                    new("Type", TypeName(targetColumn.Type)),
                    new("Missing", $"{targetColumn.Missing:N0} of {profile.Rows:N0} rows ({targetColumn.MissingPercent:0.##}%)"),
                    new("Distinct", targetColumn.DistinctText),
                    new("Summary", Summary(targetColumn)),
                ]));
                metrics["column_missing_pct"] = targetColumn.MissingPercent;
            }
            var balance = LabelBalance.From(targetColumn, out var why);
            if (balance is null)
            {
                if (isTarget) elements.Add(new CardText($"**Target {targetColumn.Name}**: {why}"));
            }
            else
            {
                elements.Add(new CardText($"**Label balance of {balance.Column}** ({balance.Classes.Count} classes):"));
                elements.Add(new CardFacts(balance.Classes.Select(c => new KeyValuePair<string, string>(c.Value, $"{c.Count:N0} ({c.Share:0.#%})")).ToList()));
                var verdict = balance.MajorityShare >= 0.8
                    ? $"Imbalanced: the largest class is {balance.MajorityShare:0.#%} of rows (ratio {balance.ImbalanceRatio:0.#}:1). Prefer f1 / macro_f1 or AUC over accuracy."
                    : $"Reasonably balanced: the largest class is {balance.MajorityShare:0.#%} of rows (ratio {balance.ImbalanceRatio:0.#}:1).";
                elements.Add(new CardText(verdict, Subtle: true));
                metrics["majority_share"] = Math.Round(balance.MajorityShare, 6);
                metrics["imbalance_ratio"] = Math.Round(balance.ImbalanceRatio, 6);
                metrics["classes"] = balance.Classes.Count;
            }
        }
        var remember = Remember(dataset);
        if (targetColumn is not null && request.Get("target") is not null) remember["target"] = targetColumn.Name;
        return new AgentResult { Reply = new BotReply(text, [new Card($"{dataset.Label} — profile", elements)]), Remember = remember, Metrics = metrics };
    }

    private async Task<AgentResult> PlotAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var column = request.Get("column");
        var column2 = request.Get("column2");
        var resolved = await ResolveDatasetAsync(request, "plot", n => column is null ? $"plot dataset {n}" : $"plot {column}{(column2 is null ? "" : " vs " + column2)} in dataset {n}", cancellationToken);
        if (resolved.Stop is { } stop) return stop;
        var dataset = resolved.Dataset!;
        var profile = await registry.GetProfileAsync(dataset, cancellationToken);

        if (column is null)
        {
            var choices = profile.Columns.Where(c => c.Count > 0 && (c.IsNumeric || c.TopValues.Count > 0))
                .OrderBy(c => c.IsNumeric ? 0 : 1).Take(10)
                .Select(c => CardAction.Choose(c.Name, $"plot {c.Name} in dataset {dataset.Name}")).ToList();
            return Clarify($"Which column of **{dataset.Label}** should I plot? Name one (histogram or bar chart) or two (\"plot tenure vs monthly_charges in dataset {dataset.Name}\").", "Choose a column", choices);
        }
        var x = profile.Find(column);
        var y = column2 is null ? null : profile.Find(column2);
        if (x is null || column2 is not null && y is null)
            return AgentResult.Fail($"{dataset.Label} has no column '{(x is null ? column : column2)}'. Its columns are: {string.Join(", ", profile.Columns.Select(c => c.Name))}.");

        var plot = await plotter.PlotAsync(dataset, x, y, cancellationToken);
        var card = new Card($"{dataset.Label} — {plot.Kind}", [plot.Chart.ToImage(plot.Description.Replace("**", "", StringComparison.Ordinal))]);
        var remember = Remember(dataset);
        remember["chart"] = plot.Chart.Id;
        return AgentResult.Ok(new BotReply($"{resolved.Note}{plot.Description}", [card]), remember);
    }

    private async Task<AgentResult> ListArtifactsAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var runId = request.Get("run_id")?.TrimStart('#');
        var model = request.Get("model");
        var version = request.Get("version")?.TrimStart('v', 'V');
        string prefix;
        if (runId is not null) prefix = $"runs/{runId}/";
        else if (model is not null) prefix = version is null or "latest" ? $"models/{model}/" : $"models/{model}/{version}/";
        else return AgentResult.Fail("Which run or model? Say for example \"artifacts of run 12\" or \"files of churn-model v3\".");
        if (ObjectKeys.PrefixProblem(prefix) is { } problem)
            return AgentResult.Fail($"I cannot look up '{prefix}': {problem}.");

        var objects = await store.ListAsync(prefix, cancellationToken).Take(MaxListed + 1).ToListAsync(cancellationToken);
        var where = store.Describe().TrimEnd('/') + "/" + prefix;
        var remember = new Dictionary<string, string>();
        if (runId is not null) remember["run_id"] = runId;
        if (model is not null) remember["model"] = model;
        if (model is not null && version is not null && version != "latest") remember["version"] = version;
        if (objects.Count == 0) return AgentResult.Ok($"No artifacts under {where} yet.", remember);
        var total = objects.Take(MaxListed).Sum(o => o.Size);
        var reply = new BotReply(
            $"{(objects.Count > MaxListed ? $"The first {MaxListed}" : objects.Count.ToString(CultureInfo.InvariantCulture))} artifact{(objects.Count == 1 ? "" : "s")} under {where} ({DatasetRegistry.FormatBytes(total)}):",
            [new Card(runId is not null ? $"Artifacts of run {runId}" : $"Artifacts of {model}{(version is null ? "" : " v" + version)}", [ObjectTable(objects.Take(MaxListed), prefix)])]);
        return AgentResult.Ok(reply, remember);
    }

    private async Task<AgentResult> ProposeDeleteAsync(AgentRequest request, CancellationToken cancellationToken)
    {
        var resolved = await ResolveDatasetAsync(request, "delete", n => $"delete dataset {n}", cancellationToken);
        if (resolved.Stop is { } stop) return stop;
        var dataset = resolved.Dataset!;
        int? version = request.GetNumber("version") is { } v ? (int)v : null;
        var versions = (await registry.ListAsync(cancellationToken)).Where(d => d.Name == dataset.Name && (version is null || d.Version == version)).OrderBy(d => d.Version).ToList();
        var what = version is null ? $"dataset {dataset.Name} ({string.Join(", ", versions.Select(d => "v" + d.Version))})" : $"dataset {dataset.Label}";
        var arguments = new JsonObject { ["dataset"] = dataset.Name };
        if (version is not null) arguments["version"] = version.Value;
        var proposal = new ApprovalProposal("storage.delete_dataset", $"Delete {what}: {versions.Sum(d => d.RowCount):N0} rows, {DatasetRegistry.FormatBytes(versions.Sum(d => d.SizeBytes))}",
            arguments, security.Value.ApproverRoleFor("storage.delete_dataset", null), "dataset:" + dataset.Name);
        return AgentResult.NeedsApproval(proposal, $"{resolved.Note}Deleting {what} removes its registry entries and files in {store.Describe()}; it cannot be undone.");
    }

    /// <summary>What a dataset lookup came to: the dataset, or the reply to stop with (a question or an error).</summary>
    private sealed record Resolution(DatasetVersion? Dataset, AgentResult? Stop, string Note = "");

    private async Task<Resolution> ResolveDatasetAsync(AgentRequest request, string verb, Func<string, string> command, CancellationToken cancellationToken)
    {
        var raw = request.Get("dataset");
        var fromMemory = false;
        if (raw is null && request.Turn.Memory.TryGetValue("dataset", out var remembered)) { raw = remembered; fromMemory = true; }
        int? version = request.GetNumber("version") is { } v ? (int)v : null;
        if (raw is not null && raw.StartsWith("s3://", StringComparison.OrdinalIgnoreCase)) raw = raw.TrimEnd('/').Split('/')[^1];

        if (raw is null)
        {
            var names = (await registry.ListAsync(cancellationToken)).Select(d => d.Name).Distinct().ToList();
            if (names.Count == 0)
                return new(null, AgentResult.Fail("There are no datasets yet. Attach a CSV and say \"upload this as churn\", or run `swarm seed` for the demo data."));
            return new(null, Clarify($"Which dataset should I {verb}?", "Choose a dataset",
                names.Take(10).Select(n => CardAction.Choose(n, command(n))).ToList()));
        }
        if (DatasetRegistry.NameProblem(raw) is { } problem) return new(null, AgentResult.Fail(problem));

        var dataset = await registry.GetAsync(raw, version, cancellationToken);
        if (dataset is not null) return new(dataset, null);
        if (version is not null && await registry.GetAsync(raw, null, cancellationToken) is { } other)
        {
            var all = (await registry.ListAsync(cancellationToken)).Where(d => d.Name == other.Name).Select(d => "v" + d.Version).Reverse();
            return new(null, AgentResult.Fail($"Dataset {other.Name} has no version {version}; it has {string.Join(", ", all)}."));
        }
        var candidates = await registry.FindNamesAsync(raw, cancellationToken);
        if (candidates.Count == 1 && await registry.GetAsync(candidates[0], version, cancellationToken) is { } only)
            return new(only, null, $"(There is no dataset '{raw}'; I used **{only.Name}**.) ");
        if (candidates.Count > 1)
            return new(null, Clarify($"Several datasets match '{raw}'. Which one should I {verb}?", "Choose a dataset",
                candidates.Take(10).Select(n => CardAction.Choose(n, command(n))).ToList()));
        var known = (await registry.ListAsync(cancellationToken)).Select(d => d.Name).Distinct().ToList();
        var hint = known.Count == 0 ? "There are no datasets yet." : $"Datasets: {string.Join(", ", known.Take(20))}.";
        return new(null, AgentResult.Fail(fromMemory
            ? $"The dataset this conversation last used ('{raw}') no longer exists. {hint}"
            : $"There is no dataset called '{raw}'. {hint}"));
    }

    private static AgentResult Clarify(string question, string title, IReadOnlyList<CardAction> choices) =>
        new() { Reply = new BotReply(question, [new Card(title, [new CardText(question)], choices)]), Succeeded = false };

    private async Task<Stream> OpenAttachmentAsync(FileAttachment file, CancellationToken cancellationToken)
    {
        if (file.Content is { } bytes) return new MemoryStream(bytes, writable: false);
        if (file.Url is null || !Uri.TryCreate(file.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new DatasetException($"The attachment '{file.Name}' has neither content nor an http(s) link I can download.");
        var client = http.CreateClient(DownloadClient);
        HttpResponseMessage response;
        try
        {
            response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new DatasetException($"Downloading '{file.Name}' failed: {ex.Message}. Nothing was stored.", ex);
        }
        if (!response.IsSuccessStatusCode)
        {
            response.Dispose();
            throw new DatasetException($"Downloading '{file.Name}' failed: the link answered {(int)response.StatusCode} {response.ReasonPhrase}. Nothing was stored.");
        }
        if (response.Content.Headers.ContentLength is { } length && length > options.Value.MaxUploadBytes)
        {
            response.Dispose();
            throw new DatasetException($"'{file.Name}' is {DatasetRegistry.FormatBytes(length)}, larger than the upload limit of {DatasetRegistry.FormatBytes(options.Value.MaxUploadBytes)} (Swarm:Storage:MaxUploadBytes). Nothing was stored.");
        }
        return await response.Content.ReadAsStreamAsync(cancellationToken);
    }

    /// <summary>The store key an upload names: "s3://bucket/key", or a key (with an optional bucket entity).</summary>
    private (string? Key, string? Problem) SourceKey(string? bucket, string named)
    {
        var key = named;
        if (named.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            var rest = named[5..];
            var slash = rest.IndexOf('/');
            bucket = slash < 0 ? rest : rest[..slash];
            key = slash < 0 ? "" : rest[(slash + 1)..];
        }
        if (BucketProblem(bucket) is { } problem) return (null, problem);
        if (ObjectKeys.Problem(key) is { } bad) return (null, $"'{named}' is not a file I can import: {bad}.");
        return (key, null);
    }

    private string? BucketProblem(string? bucket)
    {
        if (bucket is null) return null;
        var mine = store.Describe();
        if (!options.Value.IsS3 || !mine.StartsWith("s3://", StringComparison.Ordinal))
            return $"s3:// locations need Swarm:Storage:Provider=S3; this installation keeps objects in {mine}. Attach the CSV to your message instead.";
        var configured = mine[5..].TrimEnd('/');
        return string.Equals(bucket, configured, StringComparison.Ordinal)
            ? null
            : $"I can only read from the configured bucket '{configured}' (Swarm:Storage:S3:Bucket), not '{bucket}'. Copy the file there, or attach it to your message.";
    }

    private static CardTable ObjectTable(IEnumerable<ObjectInfo> objects, string prefix) =>
        new(["File", "Size", "Modified"], objects.Select(o => (IReadOnlyList<string>)[o.Key.Length > prefix.Length && prefix.EndsWith('/') ? o.Key[prefix.Length..] : o.Key, DatasetRegistry.FormatBytes(o.Size), o.LastModified.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)]).ToList());

    private static IReadOnlyList<KeyValuePair<string, string>> DatasetFacts(DatasetVersion d) =>
    [
        new("Dataset", d.Label),
        new("Rows", d.RowCount.ToString("N0", CultureInfo.InvariantCulture)),
        new("Columns", string.Join(", ", d.Columns.Take(12).Select(c => $"{c.Name} ({TypeName(c.Type)})")) + (d.Columns.Count > 12 ? $", … ({d.Columns.Count} in all)" : "")),
        new("Size", DatasetRegistry.FormatBytes(d.SizeBytes)),
        new("SHA-256", d.Sha256[..16] + "…"),
        new("Location", d.Location),
        new("Uploaded", $"{d.UploadedAt:yyyy-MM-dd HH:mm} UTC by {d.UploadedBy}"),
    ];

    private static Dictionary<string, string> Remember(DatasetVersion d) => new()
    {
        ["dataset"] = d.Name,
        ["dataset_version"] = d.Version.ToString(CultureInfo.InvariantCulture),
    };

    private static string TypeName(ColumnType type) => type switch
    {
        ColumnType.DateTime => "date",
        _ => type.ToString().ToLowerInvariant(),
    };

    private static string Summary(ColumnProfile c)
    {
        if (c.IsNumeric)
            return $"min {Number(c.Min)}, max {Number(c.Max)}, mean {Number(c.Mean)}, std {Number(c.Std)}";
        if (c.Type == ColumnType.DateTime) return $"{c.MinText} … {c.MaxText}";
        if (c.Type == ColumnType.Empty) return "no values";
        if (c.Type == ColumnType.Text && (c.TopValues.Count == 0 || c.TopValues[0].Count <= 1)) return c.Distinct == c.Count && !c.DistinctIsEstimate ? "unique values (an id?)" : "free text";
        var total = (double)Math.Max(1, c.Count);
        return string.Join(", ", c.TopValues.Take(3).Select(v => $"{Clip(v.Value, 20)} {v.Count / total:0.#%}"));
    }

    private static string Number(double? value) => value switch
    {
        null => "—",
        { } v when Math.Abs(v) >= 1e6 || Math.Abs(v) < 1e-3 && v != 0 => v.ToString("0.###e+0", CultureInfo.InvariantCulture),
        { } v => v.ToString("0.###", CultureInfo.InvariantCulture),
    };

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    private static string ParentOf(string key) => key.Contains('/') ? key[..(key.LastIndexOf('/') + 1)] : "";

    private static JsonObject Schema(params (string Name, string Type, string Description)[] properties)
    {
        var props = new JsonObject();
        foreach (var (name, type, description) in properties)
            props[name] = new JsonObject { ["type"] = type, ["description"] = description };
        return new JsonObject { ["type"] = "object", ["properties"] = props };
    }
}
