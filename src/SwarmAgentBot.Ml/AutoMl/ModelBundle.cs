using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using SwarmAgentBot.Ml.Preparation;

namespace SwarmAgentBot.Ml.AutoMl;

/// <summary>The settings a run used, kept with the model for reproduction.</summary>
public sealed record TrainingConfig
{
    /// <summary>Target column.</summary>
    public required string Target { get; init; }
    /// <summary>Task as requested (null = detected).</summary>
    public string? RequestedTask { get; init; }
    /// <summary>Metric as requested (null = task default).</summary>
    public string? RequestedMetric { get; init; }
    /// <summary>Time budget in seconds.</summary>
    public double TimeBudgetSeconds { get; init; }
    /// <summary>Seed.</summary>
    public int Seed { get; init; }
    /// <summary>Held-out test share.</summary>
    public double TestFraction { get; init; }
    /// <summary>Learners searched.</summary>
    public IReadOnlyList<string> Learners { get; init; } = [];
    /// <summary>Trial cap, if any.</summary>
    public int? MaxTrials { get; init; }
    /// <summary>Cross-validation folds used (null = holdout validation).</summary>
    public int? Folds { get; init; }
    /// <summary>XGBoost threads.</summary>
    public int Threads { get; init; }
    /// <summary>Columns the caller dropped.</summary>
    public IReadOnlyList<string> DropColumns { get; init; } = [];
    /// <summary>Whether the decision rule was tuned.</summary>
    public bool TuneDecisionRule { get; init; }
    /// <summary>Positive class requested for binary f1.</summary>
    public string? PositiveClass { get; init; }

    /// <summary>The options that reproduce this run.</summary>
    public AutoMlOptions ToOptions() => new()
    {
        Target = Target, Task = TaskNames.Parse(RequestedTask), Metric = RequestedMetric, TimeBudget = TimeSpan.FromSeconds(TimeBudgetSeconds),
        Seed = Seed, TestFraction = TestFraction, Learners = Learners, MaxTrials = MaxTrials, Folds = Folds, Threads = Threads,
        DropColumns = DropColumns, TuneDecisionRule = TuneDecisionRule, PositiveClass = PositiveClass,
    };
}

/// <summary>One model of a bundle: an ensemble averages its members' outputs with these weights (a single model is one member of weight 1).</summary>
/// <param name="Learner">xgb_tree, xgb_forest or xgb_linear.</param>
/// <param name="Parameters">Its XGBoost parameters.</param>
/// <param name="Rounds">Boosting rounds.</param>
/// <param name="Weight">Share in the average (members' weights sum to 1).</param>
public sealed record EnsembleMember(string Learner, IReadOnlyDictionary<string, string> Parameters, int Rounds, double Weight)
{
    /// <summary>The member's XGBoost model as JSON (stored as model.json for the first member, model-N.json for the others).</summary>
    [JsonIgnore]
    public byte[] ModelJson { get; init; } = [];
}

/// <summary>
/// A trained model and everything needed to serve, explain and reproduce it: the XGBoost model (JSON), the fitted
/// preparation (JSON), the decision rule, metrics on held-out test rows, the leaderboard, feature importance by
/// original column, the config and seed, and the training data's SHA-256. Saved as a folder (model.json,
/// preparation.json, bundle.json, leaderboard.json) or as a zip with the same entries.
/// </summary>
public sealed class ModelBundle
{
    /// <summary>File names inside a bundle folder or zip.</summary>
    public const string ModelFile = "model.json", PreparationFile = "preparation.json", ManifestFile = "bundle.json", LeaderboardFile = "leaderboard.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Unique id of this model (e.g. m-3f9c2a1b7d4e).</summary>
    public required string ModelId { get; init; }
    /// <summary>When training finished.</summary>
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>The task.</summary>
    public required TaskKind Task { get; init; }
    /// <summary>Target column.</summary>
    public required string Target { get; init; }
    /// <summary>The metric optimised.</summary>
    public required string Metric { get; init; }
    /// <summary>Winning learner, or "ensemble" when <see cref="Members"/> has several models.</summary>
    public required string Learner { get; init; }
    /// <summary>Winning XGBoost parameters.</summary>
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }
    /// <summary>Boosting rounds of the final model.</summary>
    public required int Rounds { get; init; }
    /// <summary>The (first) XGBoost model as JSON (XGBoosterSaveModelToBuffer, format json).</summary>
    public required byte[] ModelJson { get; init; }

    /// <summary>
    /// The models whose outputs are averaged (weights sum to 1): ensemble members, or with k-fold validation each
    /// member's k fold models (bagging; a member of weight w gives k models of weight w/k). Empty means the single
    /// model in <see cref="ModelJson"/>; use <see cref="AllMembers"/> to get the list either way.
    /// </summary>
    public IReadOnlyList<EnsembleMember> Members { get; init; } = [];

    /// <summary>The members, or the single model as one member of weight 1.</summary>
    public IReadOnlyList<EnsembleMember> AllMembers =>
        Members.Count > 0 ? Members : [new EnsembleMember(Learner, Parameters, Rounds, 1.0) { ModelJson = ModelJson }];
    /// <summary>The fitted preparation.</summary>
    public required FeaturePreparation Preparation { get; init; }
    /// <summary>How probabilities become labels.</summary>
    public DecisionRule DecisionRule { get; init; } = new();
    /// <summary>Metrics on the held-out test rows (empty when none were held out).</summary>
    public IReadOnlyDictionary<string, double> TestMetrics { get; init; } = new Dictionary<string, double>();
    /// <summary>Metrics of the winning configuration on validation (cross-validation or holdout).</summary>
    public IReadOnlyDictionary<string, double> ValidationMetrics { get; init; } = new Dictionary<string, double>();
    /// <summary>Every trial.</summary>
    public IReadOnlyList<LeaderboardEntry> Leaderboard { get; init; } = [];
    /// <summary>Importance by original column, largest first (sums to 1).</summary>
    public IReadOnlyList<FeatureImportance> FeatureImportance { get; init; } = [];
    /// <summary>Settings of the run.</summary>
    public required TrainingConfig Config { get; init; }
    /// <summary>Seed of the run.</summary>
    public int Seed => Config.Seed;
    /// <summary>SHA-256 of the training data (file bytes, or canonical text for in-memory tables).</summary>
    public required string DatasetSha256 { get; init; }
    /// <summary>Rows used to fit the final model.</summary>
    public int TrainingRows { get; init; }
    /// <summary>Held-out test rows.</summary>
    public int TestRows { get; init; }
    /// <summary>Version of libxgboost that trained it.</summary>
    public string XgboostVersion { get; init; } = "";
    /// <summary>Class labels by index (empty for regression).</summary>
    public IReadOnlyList<string> ClassLabels => Preparation.ClassLabels;

    /// <summary>
    /// Saves the bundle as a folder. The files are written to a temporary sibling folder first and moved into place,
    /// so a crash never leaves a half-written bundle. Fails if <paramref name="directory"/> exists and is not empty.
    /// </summary>
    public async Task SaveAsync(string directory, CancellationToken cancellationToken = default)
    {
        var target = Path.GetFullPath(directory);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            throw new IOException($"{target} already exists and is not empty; choose another folder.");
        var parent = Path.GetDirectoryName(target.TrimEnd(Path.DirectorySeparatorChar)) ?? ".";
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(target)}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            foreach (var (name, bytes) in Entries())
                await File.WriteAllBytesAsync(Path.Combine(temp, name), bytes, cancellationToken);
            if (Directory.Exists(target)) Directory.Delete(target);
            Directory.Move(temp, target);
        }
        catch
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            throw;
        }
    }

    /// <summary>Writes the bundle as a zip to a stream (left open).</summary>
    public async Task SaveAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        await using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in Entries())
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                // Fixed timestamps keep the zip bytes reproducible.
                entry.LastWriteTime = new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
                await using var s = await entry.OpenAsync(cancellationToken);
                await s.WriteAsync(bytes, cancellationToken);
            }
        }
    }

    /// <summary>File name of a member's model: model.json for the first, model-N.json after it.</summary>
    public static string MemberFile(int index) => index == 0 ? ModelFile : $"model-{index}.json";

    /// <summary>Loads a bundle from a folder or a .zip file.</summary>
    /// <exception cref="FileNotFoundException">Nothing at the path.</exception>
    /// <exception cref="InvalidDataException">Not a model bundle (a file is missing or unreadable).</exception>
    public static async Task<ModelBundle> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        if (Directory.Exists(path))
        {
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var name in new[] { ModelFile, PreparationFile, ManifestFile, LeaderboardFile })
            {
                var file = Path.Combine(path, name);
                if (!File.Exists(file)) throw new InvalidDataException($"{path} is not a model bundle: {name} is missing.");
                files[name] = await File.ReadAllBytesAsync(file, cancellationToken);
            }
            foreach (var file in Directory.EnumerateFiles(path, "model-*.json"))
                files[Path.GetFileName(file)] = await File.ReadAllBytesAsync(file, cancellationToken);
            return FromEntries(files, path);
        }
        if (File.Exists(path))
        {
            await using var stream = File.OpenRead(path);
            return await LoadAsync(stream, cancellationToken);
        }
        throw new FileNotFoundException($"No model bundle at {path}.", path);
    }

    /// <summary>Loads a bundle from a zip stream.</summary>
    public static async Task<ModelBundle> LoadAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            await using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            foreach (var entry in zip.Entries)
            {
                await using var s = await entry.OpenAsync(cancellationToken);
                using var buffer = new MemoryStream();
                await s.CopyToAsync(buffer, cancellationToken);
                files[entry.FullName] = buffer.ToArray();
            }
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException("Not a model bundle: the file is not a zip archive.", e);
        }
        return FromEntries(files, "the zip");
    }

    private IEnumerable<(string Name, byte[] Bytes)> Entries()
    {
        var manifest = new Manifest(1, ModelId, CreatedAt, Task, Target, Metric, Learner, Parameters, Rounds, DecisionRule,
            TestMetrics, ValidationMetrics, FeatureImportance, Config, DatasetSha256, TrainingRows, TestRows, XgboostVersion, ClassLabels)
        {
            Members = Members,
        };
        yield return (ModelFile, ModelJson);
        for (var i = 1; i < Members.Count; i++) yield return (MemberFile(i), Members[i].ModelJson);
        yield return (PreparationFile, System.Text.Encoding.UTF8.GetBytes(Preparation.ToJson()));
        yield return (ManifestFile, JsonSerializer.SerializeToUtf8Bytes(manifest, Json));
        yield return (LeaderboardFile, JsonSerializer.SerializeToUtf8Bytes(Leaderboard, Json));
    }

    private static ModelBundle FromEntries(Dictionary<string, byte[]> files, string where)
    {
        byte[] Need(string name) => files.TryGetValue(name, out var b) ? b : throw new InvalidDataException($"{where} is not a model bundle: {name} is missing.");
        try
        {
            var manifest = JsonSerializer.Deserialize<Manifest>(Need(ManifestFile), Json) ?? throw new InvalidDataException($"{ManifestFile} is empty.");
            var leaderboard = JsonSerializer.Deserialize<List<LeaderboardEntry>>(Need(LeaderboardFile), Json) ?? [];
            var preparation = FeaturePreparation.FromJson(System.Text.Encoding.UTF8.GetString(Need(PreparationFile)));
            return new ModelBundle
            {
                ModelId = manifest.ModelId, CreatedAt = manifest.CreatedAt, Task = manifest.Task, Target = manifest.Target, Metric = manifest.Metric,
                Learner = manifest.Learner, Parameters = manifest.Parameters, Rounds = manifest.Rounds, ModelJson = Need(ModelFile),
                Preparation = preparation, DecisionRule = manifest.DecisionRule, TestMetrics = manifest.TestMetrics,
                ValidationMetrics = manifest.ValidationMetrics, Leaderboard = leaderboard, FeatureImportance = manifest.FeatureImportance,
                Config = manifest.Config, DatasetSha256 = manifest.DatasetSha256, TrainingRows = manifest.TrainingRows, TestRows = manifest.TestRows,
                XgboostVersion = manifest.XgboostVersion,
                Members = manifest.Members.Select((m, i) => m with { ModelJson = Need(MemberFile(i)) }).ToList(),
            };
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where} is not a readable model bundle: {e.Message}", e);
        }
    }

    private sealed record Manifest(
        int FormatVersion, string ModelId, DateTimeOffset CreatedAt, TaskKind Task, string Target, string Metric, string Learner,
        IReadOnlyDictionary<string, string> Parameters, int Rounds, DecisionRule DecisionRule, IReadOnlyDictionary<string, double> TestMetrics,
        IReadOnlyDictionary<string, double> ValidationMetrics, IReadOnlyList<FeatureImportance> FeatureImportance, TrainingConfig Config,
        string DatasetSha256, int TrainingRows, int TestRows, string XgboostVersion, IReadOnlyList<string> ClassLabels)
    {
        public IReadOnlyList<EnsembleMember> Members { get; init; } = [];
    }
}
