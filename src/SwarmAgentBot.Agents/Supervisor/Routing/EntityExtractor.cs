using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SwarmAgentBot.Agents.Supervisor.Routing;

/// <summary>What one piece of a message mentions, before the intent decides which of it to keep.</summary>
internal sealed class Mentions
{
    public string? Bucket;
    public string? Prefix;
    public string? Dataset;
    public bool DatasetIsFile;
    public string? DatasetHint;
    public string? UploadName;
    /// <summary>Hyphenated or explicitly introduced names, in order (a model or a pipeline, by intent).</summary>
    public readonly List<string> Names = [];
    public string? ModelHint;
    public string? PipelineHint;
    public int? Version;
    public bool Latest;
    public string? Stage;
    public string? Metric;
    public readonly List<string> RunIds = [];
    public readonly List<(string Key, JsonNode? Value)> Pairs = [];
    public string? Schedule;
    public string? Window;

    public bool HasModelOrPipelineName => Names.Count > 0 || ModelHint is not null || PipelineHint is not null;
    public bool HasDataset => Dataset is not null || DatasetHint is not null;

    /// <summary>True when the text names something concrete the assistant manages (a file, a model, a run...).</summary>
    public bool Concrete => Dataset is not null || Bucket is not null || Names.Count > 0 || RunIds.Count > 0 || Version is not null || Pairs.Count > 0;
}

/// <summary>
/// Entity extraction and normalisation per shared/spec/intents.md. Rules worth knowing:
/// <list type="bullet">
/// <item><c>s3://bucket/path/file.csv</c> → <c>bucket</c> "bucket" and <c>dataset</c> "path/file.csv" (everything after the bucket);
/// a path ending in "/" is a <c>prefix</c>; <c>s3://bucket</c> alone is just the bucket.</item>
/// <item>Other file names (<c>churn.csv</c>) are the <c>dataset</c> exactly as written.</item>
/// <item>Hyphenated names (<c>churn-model</c>, <c>train-and-register</c>) are the <c>model</c> or the <c>pipeline</c>, whichever the intent takes.</item>
/// <item><c>window</c> and <c>schedule</c> are compact durations: <c>30m</c>, <c>1h</c>, <c>7d</c>, <c>1w</c> (months as 30d, years as 365d),
/// or a count "500 predictions"; "hourly" → <c>1h</c>, "daily"/"nightly" → <c>1d</c>, "weekly" → <c>1w</c>.</item>
/// <item>A percentage <c>threshold</c> is a fraction ("20%" → 0.2); <c>time_budget_s</c> is whole seconds.</item>
/// <item>Run <c>status</c> filters use the job states: pending, running, succeeded, failed, canceled.</item>
/// <item><c>action</c> in audit queries is the intent name ("who deployed" → registry.deploy_model); help <c>topic</c> is an area name
/// (storage, training, registry, drift, pipeline, knowledge, governance).</item>
/// </list>
/// </summary>
internal static class EntityExtractor
{
    private static readonly Dictionary<string, string> Metrics = new(StringComparer.Ordinal)
    {
        ["accuracy"] = "accuracy", ["f1"] = "f1", ["macro_f1"] = "macro_f1", ["auc"] = "auc", ["auroc"] = "auc", ["logloss"] = "logloss",
        ["rmse"] = "rmse", ["mae"] = "mae", ["r2"] = "r2", ["psi"] = "psi",
    };

    /// <summary>Normalises a metric word, or null when it is not one of intents.md's metrics.</summary>
    public static string? Metric(string word) => Metrics.TryGetValue(word.ToLowerInvariant(), out var m) ? m : null;

    /// <summary>Finds the intent-independent mentions in one piece of text.</summary>
    public static Mentions Scan(Utterance u)
    {
        var text = u.Text;
        var e = new Mentions();
        var hasUri = text.Contains("://", StringComparison.Ordinal);
        if (hasUri)
        {
            foreach (Match m in EntityPatterns.S3Uri().Matches(text))
            {
                e.Bucket ??= m.Groups["bucket"].Value;
                var path = m.Groups["path"].Success ? m.Groups["path"].Value.TrimEnd('.', '?', '!', ')') : "";
                if (path.Length == 0) continue;
                if (path.EndsWith('/')) e.Prefix ??= path;
                else if (e.Dataset is null) { e.Dataset = path; e.DatasetIsFile = true; }
            }
        }
        if (e.Dataset is null && text.Contains('.'))
        {
            var m = EntityPatterns.FileName().Match(text);
            while (m.Success && IsInsideUri(text, m.Index)) m = m.NextMatch();
            if (m.Success) { e.Dataset = m.Groups["file"].Value; e.DatasetIsFile = true; }
        }
        if (text.Contains('-'))
            foreach (Match m in EntityPatterns.Hyphenated().Matches(text))
            {
                var id = m.Groups["id"].Value;
                if (EntityPatterns.IsNameLike(id) && !IsInsideUri(text, m.Index) && !e.Names.Contains(id)) e.Names.Add(id);
            }
        // "Hi team-bot, can we push ...": the name a greeting addresses is the assistant's, not a model's or a pipeline's.
        if (e.Names.Count > 0 && EntityPatterns.Addressee().Match(text) is { Success: true } addressee) e.Names.Remove(addressee.Groups["n"].Value);
        if (text.Contains('='))
            foreach (Match m in EntityPatterns.KeyValue().Matches(text))
                e.Pairs.Add((m.Groups["k"].Value, TypedValue(m.Groups["v"].Value)));

        ScanNames(text, e);
        ScanVersion(text, e);
        e.Stage = StageOf(text);
        // A misspelt stage ("to stagin", "in prodution") reads right once typo-corrected.
        if (e.Stage is null)
            foreach (var w in u.Words)
                if (w is "staging" or "production") { e.Stage = w; break; }
        foreach (var w in u.Words)
            if (Metrics.TryGetValue(w, out var metric)) { e.Metric = metric; break; }
        ScanRunIds(text, e.RunIds);
        e.Schedule = ScheduleOf(text);
        e.Window = WindowOf(text);
        return e;
    }

    private static bool IsInsideUri(string text, int index)
    {
        var start = text.LastIndexOf(' ', Math.Max(0, index - 1)) + 1;
        return text.AsSpan(start, index - start).Contains("://", StringComparison.Ordinal);
    }

    private static void ScanNames(string text, Mentions e)
    {
        if (Contains(text, "model"))
        {
            e.ModelHint = First(EntityPatterns.ModelThenName(), text, "n", n => !n.Contains('.') && EntityPatterns.IsNameWord(n))
                ?? First(EntityPatterns.NameThenModel(), text, "n", EntityPatterns.IsNameWord);
        }
        if (e.ModelHint is null && e.Names.Count == 0 && text.Contains('_'))
            e.ModelHint = First(EntityPatterns.SnakeCaseModel(), text, "n", _ => true);
        if (e.ModelHint is null && e.Names.Count == 0)
        {
            e.ModelHint = First(EntityPatterns.NameThenVersion(), text, "n", EntityPatterns.IsNameWord)
                ?? First(EntityPatterns.BareModelName(), text, "n", n => EntityPatterns.IsNameWord(n) && StageOf(n) is null && !Metrics.ContainsKey(n.ToLowerInvariant()));
            if (e.ModelHint is null && EntityPatterns.VersionOfName().Match(text) is { Success: true } vm && EntityPatterns.IsNameWord(vm.Groups["n"].Value))
                e.ModelHint = vm.Groups["n"].Value;
        }
        if (e.Names.Count == 0 && text.Contains('_') && EntityPatterns.SnakeCasePipeline().Match(text) is { Success: true } snake
            && IntentClassifier.PipelineLike(snake.Groups["n"].Value.Replace('_', '-')))
            e.PipelineHint = snake.Groups["n"].Value;
        if (e.PipelineHint is null && (Contains(text, "pipeline") || Contains(text, "workflow") || Contains(text, "dag")))
        {
            e.PipelineHint = First(EntityPatterns.PipelineThenName(), text, "n", EntityPatterns.IsNameWord)
                ?? First(EntityPatterns.NameThenPipeline(), text, "n", n => EntityPatterns.IsNameWord(n) || IsPlainPipelineName(n));
        }
        if (Contains(text, "data"))
        {
            e.DatasetHint = First(EntityPatterns.DatasetThenName(), text, "n", EntityPatterns.IsNameWord)
                ?? First(EntityPatterns.NameThenDataset(), text, "n", EntityPatterns.IsNameWord);
        }
        if (Contains(text, " as "))
            e.UploadName = First(EntityPatterns.AsName(), text, "n", EntityPatterns.IsNameWord);
        if (e.Bucket is null && e.Dataset is null && text.StartsWith("ls ", StringComparison.OrdinalIgnoreCase) && EntityPatterns.BucketAfterLs().Match(text) is { Success: true } ls)
            e.Bucket = Lexicon.Words.ContainsKey(ls.Groups["n"].Value) || IsBucketFiller(ls.Groups["n"].Value) ? null : ls.Groups["n"].Value;
        if (e.Bucket is null && Contains(text, "bucket"))
        {
            // "the raw bucket" before "bucket X": what follows "bucket" is often chat ("in the raw bucket atm").
            e.Bucket = First(EntityPatterns.NameThenBucket(), text, "n", n => !IsBucketFiller(n))
                ?? First(EntityPatterns.BucketThenName(), text, "n", n => !IsBucketFiller(n));
        }
        if (e.Prefix is null && (Contains(text, "prefix") || Contains(text, "ing with") || Contains(text, "ins with") || Contains(text, "rts with") || Contains(text, "under")))
            if (EntityPatterns.Prefix().Match(text) is { Success: true } pm)
            {
                var p = pm.Groups["n"].Value.Trim('"', '\'', '.', ')');
                if (p.Length > 0 && !EntityPatterns.Stop.Contains(p) && !p.Contains("://", StringComparison.Ordinal)) e.Prefix = p;
            }
    }

    /// <summary>
    /// "run the ingest pipeline": right before "pipeline", an ordinary word is the pipeline's name (pipelines are named after
    /// what they do: ingest, preprocess, scoring), unless it only describes or points at one.
    /// </summary>
    private static bool IsPlainPipelineName(string word) =>
        word.Length >= 4 && word.All(char.IsAsciiLetterLower) && !EntityPatterns.Stop.Contains(word) && StageOf(word) is null
        && word is not ("this" or "that" or "these" or "those" or "whole" or "entire" or "same" or "latest" or "last" or "first" or "next" or "previous"
            or "current" or "main" or "default" or "other" or "failed" or "failing" or "broken" or "running" or "kubeflow" or "data" or "your" or "their"
            or "which" or "what" or "each" or "every" or "some" or "full" or "existing" or "scheduled" or "stuck" or "slow" or "long" or "sales"
            or "hiring" or "recruiting" or "deal" or "build" or "company" or "team" or "leaky" or "leaking" or "kitchen" or "water" or "pipe");

    private static bool IsBucketFiller(string word) => word.ToLowerInvariant() is "atm" or "thx" or "thanks" or "now" or "asap" or "too" or "again" or "today" or "as" or "at" or "by" or "via" or "under" or "using" or "named" or "called" or "then" or "please" or "pls" or "s3" or "which" or "what" or "each" or "every" or "in" or "the" or "a" or "an"
        or "my" or "our" or "your" or "their" or "that" or "this" or "storage" or "same" or "new" or "any" or "some" or "one" or "of" or "for" or "to" or "from"
        or "is" or "are" or "and" or "or" or "with" or "into" or "on" or "default" or "other" or "whole" or "entire" or "main";

    private static bool IsFileAt(string text, int index) => EntityPatterns.FileName().Match(text, index) is { Success: true } m && m.Index == index;

    private static void ScanVersion(string text, Mentions e)
    {
        if (text.AsSpan().ContainsAnyInRange('0', '9'))
            foreach (Match m in EntityPatterns.Version().Matches(text))
                if (int.TryParse(m.Groups["n"].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)) { e.Version = v; break; }
        if (e.Version is null && e.Names.Count > 0 && EntityPatterns.VersionAfterName().Match(text) is { Success: true } after
            && int.TryParse(after.Groups["n"].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var bare)) e.Version = bare;
        if (e.Version is null && (Contains(text, "latest") || Contains(text, "newest") || Contains(text, "recent")) && EntityPatterns.Latest().IsMatch(text)) e.Latest = true;
    }

    /// <summary>The stage a text names: "to/into X" wins over other mentions ("from staging to production" → production).</summary>
    public static string? StageOf(string text)
    {
        // Cheap literal checks first: most messages name no stage, and the stage pattern is a long alternation.
        if (!ContainsAny(text, StageHints)) return null;
        string? first = null;
        foreach (Match m in EntityPatterns.Stage().Matches(text))
        {
            var stage = m.Groups["s"].Success ? "staging" : "production";
            if (EntityPatterns.TargetPreposition().IsMatch(Before(text, m.Index))) return stage;
            var inner = m.Value.TrimStart();
            if (inner.StartsWith("to ", StringComparison.OrdinalIgnoreCase) || inner.StartsWith("into ", StringComparison.OrdinalIgnoreCase)) return stage;
            first ??= stage;
        }
        return first;
    }

    /// <summary>Run ids in the order written: "runs 7 and 8", "run 3, run 5 and run 9", "#4 and #6" (ids must contain a digit).</summary>
    public static void ScanRunIds(string text, List<string> ids)
    {
        if (!text.AsSpan().ContainsAnyInRange('0', '9')) return;
        // "is 918 still going?" (but "is 2025 over yet?" asks about a year).
        if (EntityPatterns.RunByNumber().Match(text) is { Success: true } byNumber && !IsYear(byNumber.Groups["id"].Value)) AddRunId(ids, byNumber.Groups["id"].Value);
        foreach (Match m in EntityPatterns.RunId().Matches(text))
        {
            if (!AddRunId(ids, m.Groups["id"].Value)) continue;
            var pos = m.Index + m.Length;
            while (true)
            {
                var c = EntityPatterns.RunIdContinuation().Match(text, pos);
                if (!c.Success || !AddRunId(ids, c.Groups["id"].Value)) break;
                pos = c.Index + c.Length;
            }
        }
    }

    /// <summary>The training entity a key=value key names ("data" → dataset, "label" → target), or null.</summary>
    public static string? TrainingKey(string key) => key.ToLowerInvariant() switch
    {
        "data" or "dataset" or "ds" or "file" or "csv" => "dataset",
        // y is the usual name for what a model learns (X and y).
        "label" or "target" or "target_column" or "label_column" or "y" => "target",
        "metric" => "metric",
        _ => null,
    };

    private static bool IsYear(string number) => number.Length == 4 && number[0] is '1' or '2' && number[1] is '9' or '0';

    private static bool AddRunId(List<string> ids, string raw)
    {
        var id = raw.TrimStart('#').TrimEnd('.', '-');
        if (id.Length == 0 || !id.AsSpan().ContainsAnyInRange('0', '9')) return false;
        if (id.StartsWith('v') && id.Length > 1 && char.IsDigit(id[1]) && id[1..].All(char.IsDigit)) return false; // v3 is a version
        if (!ids.Contains(id)) ids.Add(id);
        return true;
    }

    /// <summary>"every hour" → "1h", "daily" → "1d", "every 500 predictions" → "500 predictions".</summary>
    public static string? ScheduleOf(string text)
    {
        if (!ContainsAny(text, ScheduleHints)) return null;
        var m = EntityPatterns.Schedule().Match(text);
        if (!m.Success) return null;
        if (m.Groups["p"].Success) return m.Groups["n"].Value + " predictions";
        if (m.Groups["twice"].Success) return "12h";
        if (m.Groups["w"].Success)
            return m.Groups["w"].Value.ToLowerInvariant() switch { "hourly" => "1h", "weekly" => "1w", "monthly" => "30d", _ => "1d" };
        var n = m.Groups["n"].Success ? int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture) : 1;
        return Compact(n, m.Groups["u"].Value);
    }

    /// <summary>"last 7 days" → "7d", "past week" → "1w", "last 1000 predictions" → "1000 predictions", "yesterday" → "1d".</summary>
    public static string? WindowOf(string text)
    {
        if (!ContainsAny(text, WindowHints)) return null;
        var m = EntityPatterns.Window().Match(text);
        // "credit-risk we pushed yesterday" says when something was done, not which window to look at.
        while (m.Success && m.Groups["y"].Success && FollowsPastTenseVerb(text, m.Index)) m = m.NextMatch();
        if (!m.Success) return null;
        if (m.Groups["p"].Success) return m.Groups["n"].Value + " predictions";
        if (m.Groups["y"].Success) return "1d";
        if (m.Groups["this"].Success) return m.Groups["this"].Value.Equals("week", StringComparison.OrdinalIgnoreCase) ? "1w" : "30d";
        var n = m.Groups["n"].Success ? int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture) : 1;
        return Compact(n, m.Groups["u"].Value);
    }

    private static bool FollowsPastTenseVerb(string text, int index)
    {
        var before = text.AsSpan(0, index).TrimEnd();
        var start = before.LastIndexOf(' ') + 1;
        var word = before[start..];
        return word.Length > 3 && word.EndsWith("ed", StringComparison.OrdinalIgnoreCase)
            || word is "ran" or "built" or "made" or "shipped" or "did" or "broke" or "went" or "wrote" or "took";
    }

    private static string Compact(int n, string unit)
    {
        var u = unit.ToLowerInvariant();
        if (u.StartsWith("sec", StringComparison.Ordinal)) return n + "s";
        if (u.StartsWith("morning", StringComparison.Ordinal) || u.StartsWith("night", StringComparison.Ordinal)) return n + "d";
        if (u.StartsWith("min", StringComparison.Ordinal)) return n + "m";
        if (u.StartsWith('h')) return n + "h";
        if (u.StartsWith('w')) return n + "w";
        if (u.StartsWith("mo", StringComparison.Ordinal)) return n * 30 + "d";
        if (u.StartsWith("fortnight", StringComparison.Ordinal)) return n * 14 + "d";
        if (u.StartsWith('y')) return n * 365 + "d";
        return n + "d"; // days, nights, mornings
    }

    /// <summary>A duration in whole seconds ("5 minutes" → 300, "an hour" → 3600, "90s" → 90, "half an hour" → 1800, "1h30m" → 5400).</summary>
    public static int? DurationSeconds(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('0', '9') && !Contains(text, "hour") && !Contains(text, "minute") && !Contains(text, "second")) return null;
        var m = EntityPatterns.Duration().Match(text);
        if (!m.Success) return null;
        if (m.Groups["halfhour"].Success) return 1800;
        if (m.Groups["quarter"].Success) return 900;
        if (m.Groups["quarters"].Success) return 2700;
        double n;
        if (m.Groups["n"].Success) n = double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture);
        else n = m.Groups["a"].Value.Contains("couple", StringComparison.OrdinalIgnoreCase) ? 2 : 1;
        var unit = UnitSeconds(m.Groups["u"].Value);
        var seconds = n * unit;
        if (m.Groups["half"].Success) seconds += unit / 2;
        else if (m.Groups["n2"].Success) seconds += double.Parse(m.Groups["n2"].Value, CultureInfo.InvariantCulture) * UnitSeconds(m.Groups["u2"].Value);
        return seconds is > 0 and < int.MaxValue ? (int)Math.Round(seconds) : null;
    }

    private static double UnitSeconds(string unit)
    {
        var u = unit.ToLowerInvariant();
        if (u.StartsWith('h')) return 3600;
        if (u.StartsWith('m')) return 60;
        return 1;
    }

    /// <summary>A typed JSON value: numbers as numbers, true/false as booleans, quotes removed, otherwise the text as written.</summary>
    public static JsonNode? TypedValue(string raw)
    {
        var v = raw.Trim();
        if (v.Length >= 2 && (v[0] == '"' && v[^1] == '"' || v[0] == '\'' && v[^1] == '\'')) return JsonValue.Create(v[1..^1]);
        v = v.TrimEnd('.', ',', '!', '?', ')', ';');
        if (v.Length == 0) return JsonValue.Create(raw);
        if (long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
        if (double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) return JsonValue.Create(d);
        if (v.EndsWith('%') && double.TryParse(v[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var pct)) return JsonValue.Create(pct / 100);
        if (v.Equals("true", StringComparison.OrdinalIgnoreCase)) return JsonValue.Create(true);
        if (v.Equals("false", StringComparison.OrdinalIgnoreCase)) return JsonValue.Create(false);
        return JsonValue.Create(v);
    }

    private static bool Contains(string text, string word) => text.Contains(word, StringComparison.OrdinalIgnoreCase);

    private static bool ContainsAny(string text, string[] words)
    {
        foreach (var w in words) if (text.Contains(w, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private static readonly string[] StageHints = ["prod", "prd", "live", "stag", "uat", "test env"];
    private static readonly string[] ScheduleHints = ["every", "hourly", "daily", "nightly", "weekly", "monthly", "once", "one time", "twice"];
    private static readonly string[] WindowHints = ["last", "past", "previous", "recent", "yesterday", "today", "this week", "this month"];

    /// <summary>
    /// The few characters before <paramref name="index"/>: enough for an end-anchored look at the preceding words, without
    /// scanning the whole prefix once per match (quadratic on a long message).
    /// </summary>
    internal static ReadOnlySpan<char> Before(string text, int index, int window = 24) =>
        text.AsSpan(Math.Max(0, index - window), Math.Min(index, window));

    /// <summary>
    /// The first capture of <paramref name="group"/> that <paramref name="accept"/> takes, trying every start position
    /// (a rejected early match must not swallow a good later one: "what actions did bob take").
    /// </summary>
    private static string? First(Regex regex, string text, string group, Func<string, bool> accept)
    {
        var m = regex.Match(text);
        while (m.Success)
        {
            var value = m.Groups[group].Value;
            if (accept(value)) return value;
            if (m.Index + 1 >= text.Length) break;
            m = regex.Match(text, m.Index + 1);
        }
        return null;
    }

    // ---- intent-specific extraction -------------------------------------------------------------

    /// <summary>Pipeline parameters: key=value pairs and known spoken forms ("learning rate 0.1" → learning_rate 0.1).</summary>
    public static JsonObject? Params(string text, Mentions e)
    {
        var result = new JsonObject();
        foreach (var (k, v) in e.Pairs) result[k] = v?.DeepClone();
        foreach (Match m in EntityPatterns.KnownParam().Matches(text))
        {
            var key = ParamKey(m.Groups["k"].Value);
            if (!result.ContainsKey(key)) result[key] = TypedValue(m.Groups["v"].Value);
        }
        // Any other "with threshold 0.3" / "and lookback 30": a one-word parameter and its number.
        foreach (Match m in EntityPatterns.SpokenParam().Matches(text))
        {
            var key = m.Groups["k"].Value.ToLowerInvariant();
            if (EntityPatterns.Stop.Contains(key) || Lexicon.Words.ContainsKey(key) && key != "threshold" || result.ContainsKey(ParamKey(key))) continue;
            result[key] = TypedValue(m.Groups["v"].Value);
        }
        return result.Count > 0 ? result : null;
    }

    private static string ParamKey(string spoken)
    {
        var k = Regex.Replace(spoken.ToLowerInvariant(), @"\s+", "_");
        return k switch
        {
            "lr" => "learning_rate",
            "depth" => "max_depth",
            "trees" or "number_of_trees" or "num_trees" => "n_estimators",
            "epoch" => "epochs",
            _ => k,
        };
    }

    /// <summary>
    /// A record to score: the feature list after a colon, after "for" or after "with" ("tenure=3, contract monthly" → {"tenure":3,"contract":"monthly"}),
    /// else any key=value pairs in the text.
    /// </summary>
    public static JsonObject? Record(string text, Mentions e)
    {
        if (JsonRecord(text) is { } json) return json;
        var region = RecordRegion(text);
        var result = new JsonObject();
        if (region is not null)
        {
            foreach (var rawPiece in EntityPatterns.RecordSeparator().Split(region))
            {
                var piece = rawPiece.Trim();
                if (piece.Length == 0) continue;
                var m = EntityPatterns.RecordPiece().Match(piece);
                if (!m.Success)
                {
                    piece = EntityPatterns.RecordTail().Replace(piece, "");
                    m = EntityPatterns.RecordPiece().Match(piece);
                }
                if (!m.Success) continue;
                var key = m.Groups["k"].Value;
                if (EntityPatterns.Stop.Contains(key) && !FeatureLikeStop.Contains(key) && !e.Pairs.Any(p => p.Key == key)) continue;
                result[key] = TypedValue(m.Groups["v"].Value);
            }
        }
        if (result.Count == 0)
            foreach (var (k, v) in e.Pairs) result[k] = v?.DeepClone();
        return result.Count > 0 ? result : null;
    }

    /// <summary>A record pasted as a JSON object ("... for {"sqft": 1200, "zip": "94110"}"), or null.</summary>
    private static JsonObject? JsonRecord(string text)
    {
        var open = text.IndexOf('{');
        var close = text.LastIndexOf('}');
        if (open < 0 || close <= open) return null;
        try
        {
            return JsonNode.Parse(text.AsSpan(open, close - open + 1).ToString()) is JsonObject o && o.Count > 0 ? o : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    // Stop words that are also common feature names in a record ("hour 23", "day 5", "age 40").
    private static readonly HashSet<string> FeatureLikeStop = new(StringComparer.OrdinalIgnoreCase)
    {
        "hour", "hours", "day", "days", "week", "weeks", "month", "months", "minute", "minutes", "second", "seconds", "value", "label", "class", "stage", "version",
    };

    private static string? RecordRegion(string text)
    {
        var colon = -1;
        for (var i = text.IndexOf(':'); i >= 0; i = text.IndexOf(':', i + 1))
            if (!(i + 2 < text.Length && text[i + 1] == '/' && text[i + 2] == '/')) { colon = i; break; }
        if (colon >= 0) return text[(colon + 1)..];
        var forAt = text.LastIndexOf(" for ", StringComparison.OrdinalIgnoreCase);
        if (forAt >= 0 && text.AsSpan(forAt).IndexOfAny('=', ',') >= 0 || forAt >= 0 && Regex.IsMatch(text[forAt..], @"\d")) return text[(forAt + 5)..];
        // "ask the attrition model about someone with age 42, income 55000".
        var withAt = text.LastIndexOf(" with ", StringComparison.OrdinalIgnoreCase);
        if (withAt >= 0 && EntityPatterns.FeatureWithNumber().IsMatch(text, withAt + 6)) return text[(withAt + 6)..];
        return null;
    }

    /// <summary>The target column: "target Churn", "label is income", "class as the target", "predicting Survived", "to predict cnt".</summary>
    public static string? Target(string text, bool allowLoose)
    {
        foreach (Match m in EntityPatterns.TargetNamed().Matches(text))
            if (TargetWord(m.Groups["t"].Value) is { } t) return t;
        if (text.Contains('(') && EntityPatterns.TargetInParentheses().Match(text) is { Success: true } p && TargetWord(p.Groups["t"].Value) is { } inParentheses)
            return inParentheses;
        foreach (Match m in EntityPatterns.TargetAs().Matches(text))
            if (TargetWord(m.Groups["t"].Value) is { } t) return t;
        if (!allowLoose) return null;
        foreach (Match m in EntityPatterns.TargetSpelledOut().Matches(text))
            if (TargetWord(m.Groups["t"].Value) is { } t) return t;
        // "train housing.csv -> price": a file pointing at a column is the shorthand for "predict that column from this file".
        foreach (Match m in EntityPatterns.TargetAfterArrow().Matches(text))
            if (TargetWord(m.Groups["t"].Value) is { } t) return t;
        foreach (Match m in EntityPatterns.TargetPredicting().Matches(text))
            if (TargetWord(m.Groups["t"].Value) is { } t) return t;
        foreach (Match m in EntityPatterns.TargetFor().Matches(text))
            if (TargetWord(m.Groups["t"].Value) is { } t && !Lexicon.Words.ContainsKey(t.ToLowerInvariant())) return t;
        return null;
    }

    private static string? TargetWord(string w)
    {
        if (w.Length == 0 || EntityPatterns.Stop.Contains(w) && !w.Equals("class", StringComparison.OrdinalIgnoreCase) && !w.Equals("label", StringComparison.OrdinalIgnoreCase)) return null;
        var lower = w.ToLowerInvariant();
        if (lower is "column" or "col" or "variable" or "is" or "me" or "us" or "something" or "a" or "an" or "balance" or "distribution" or "imbalance"
            or "encoding" or "leakage" or "noise" or "values" or "counts" or "names" or "types") return null;
        // "is the target balanced", "is the label skewed": a word describing the target is not its name.
        if (lower is "balanced" or "imbalanced" or "unbalanced" or "skewed" or "missing" or "correct" or "right" or "wrong" or "ok" or "okay"
            or "fine" or "set" or "defined" or "numeric" or "categorical" or "binary" or "leaking" or "leaky") return null;
        if (lower is "classification" or "regression" or "classifier" or "regressor" or "model" or "models") return null;
        return w;
    }

    /// <summary>Columns of a chart: "tenure vs MonthlyCharges" → (tenure, MonthlyCharges); "histogram of Age" → (Age, null).</summary>
    public static (string? Column, string? Column2) PlotColumns(string text)
    {
        var found = PlotColumnsAsWritten(text);
        if (found.Column is not null) return found;
        // "histgram of score", "scater of age vs income": the chart word misspelt; read it again with chart words spelt right.
        var corrected = EntityPatterns.LetterWord().Replace(text, w => Utterance.Correct(w.Value.ToLowerInvariant()) is var c && ChartWords.Contains(c) ? c : w.Value);
        return corrected == text ? found : PlotColumnsAsWritten(corrected);
    }

    private static readonly HashSet<string> ChartWords = new(StringComparer.Ordinal) { "plot", "chart", "histogram", "graph", "scatter", "distribution", "boxplot", "heatmap" };

    private static (string? Column, string? Column2) PlotColumnsAsWritten(string text)
    {
        foreach (Match m in EntityPatterns.ColumnPair().Matches(text))
        {
            var a = m.Groups["a"].Value;
            var b = m.Groups["b"].Value;
            if (IsColumnWord(a) && IsColumnWord(b)) return (a, b);
        }
        foreach (Match m in EntityPatterns.ColumnWord().Matches(text))
            if (IsColumnWord(m.Groups["a"].Value)) return (m.Groups["a"].Value, null);
        foreach (Match m in EntityPatterns.ColumnAfterChart().Matches(text))
            if (IsColumnWord(m.Groups["a"].Value)) return (m.Groups["a"].Value, null);
        return (null, null);
    }

    /// <summary>The one column a profile request is about, if any ("missing values in the Age column").</summary>
    public static string? ProfileColumn(string text)
    {
        foreach (Match m in EntityPatterns.ColumnWord().Matches(text))
            if (IsColumnWord(m.Groups["a"].Value)) return m.Groups["a"].Value;
        foreach (Match m in EntityPatterns.ColumnAfterMissing().Matches(text))
            if (IsColumnWord(m.Groups["a"].Value)) return m.Groups["a"].Value;
        foreach (Match m in EntityPatterns.ColumnAfterChart().Matches(text))
            if (m.Value.StartsWith("distribution", StringComparison.OrdinalIgnoreCase) && IsColumnWord(m.Groups["a"].Value)) return m.Groups["a"].Value;
        foreach (Match m in EntityPatterns.ColumnAfterStats().Matches(text))
            if (IsColumnWord(m.Groups["a"].Value)) return m.Groups["a"].Value;
        return null;
    }

    private static bool IsColumnWord(string w)
    {
        if (w.Length == 0) return false;
        var lower = w.ToLowerInvariant();
        if (lower is "age" or "income" or "class" or "label" or "target" or "balance" or "quality" or "type" or "types" or "count" or "price" or "score")
            return true; // common column names that are also everyday words
        return !EntityPatterns.Stop.Contains(w) && !Lexicon.Words.ContainsKey(lower) && lower is not ("me" or "us" or "chart" or "plot" or "graph" or "histogram");
    }

    /// <summary>A metric threshold (percentages as fractions).</summary>
    public static double? Threshold(string text)
    {
        foreach (Match m in EntityPatterns.Threshold().Matches(text))
        {
            if (!double.TryParse(m.Groups["v"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) continue;
            if (EntityPatterns.NotAThreshold().IsMatch(text.AsSpan(m.Index + m.Length))) continue;
            return m.Groups["pct"].Success ? v / 100 : v;
        }
        return null;
    }

    /// <summary>The step of a run whose logs are wanted ("step preprocess", "the train step").</summary>
    public static string? Step(string text)
    {
        static bool Good(string s) => s.ToLowerInvariant() is not ("the" or "a" or "this" or "that" or "last" or "first" or "final" or "next" or "previous"
            or "failed" or "failing" or "each" or "every" or "which" or "what" or "one" or "by" or "logs" or "log" or "of" or "in" or "for" or "its" or "by");
        // "what the train step printed": a verb after "step" says what the step did; the name is the word before it.
        static bool NotAVerb(string s) => Good(s) && !(s.EndsWith("ed", StringComparison.OrdinalIgnoreCase) && s.All(char.IsAsciiLetter))
            && s.ToLowerInvariant() is not ("is" or "was" or "says" or "said" or "shows" or "did" or "does" or "output" or "outputs" or "wrote" or "prints" or "logs" or "died" or "crashed");
        return First(EntityPatterns.StepThenName(), text, "s", NotAVerb) ?? First(EntityPatterns.NameThenStep(), text, "s", Good);
    }

    /// <summary>Whose actions an audit query is about ("by alice", "what did bob do").</summary>
    public static string? AuditUser(string text)
    {
        static bool Good(string u) =>
            u.ToLowerInvariant() is not ("i" or "you" or "we" or "they" or "he" or "she" or "someone" or "anyone" or "somebody" or "anybody" or "people"
                or "it" or "the" or "that" or "this" or "who" or "whom" or "whoever" or "mistake" or "accident" or "now" or "today" or "yesterday"
                or "tomorrow" or "date" or "time" or "a" or "an" or "default" or "name" or "version" or "model" or "stage" or "actions" or "changes")
            && !Lexicon.Words.ContainsKey(u.ToLowerInvariant()) && !(u.Contains('-') && EntityPatterns.IsNameLike(u));
        return First(EntityPatterns.AuditUser(), text, "u", Good);
    }

    /// <summary>The audit action as an intent name ("deployed" → registry.deploy_model).</summary>
    public static string? AuditAction(Utterance u)
    {
        foreach (var w in u.Words)
        {
            var action = w switch
            {
                "deploy" or "deployed" or "deploys" or "deployment" or "deployments" or "promote" or "promoted" or "promotions" => "registry.deploy_model",
                "rollback" or "rollbacks" or "revert" or "reverted" => "registry.rollback",
                "delete" or "deleted" or "deletion" or "deletions" or "remove" or "removed" => "storage.delete_dataset",
                "approved" or "approvals" => "approvals.approve",
                "rejected" or "rejections" => "approvals.reject",
                "retrain" or "retrained" => "training.retrain_model",
                "trained" => "training.train_model",
                "upload" or "uploaded" or "uploads" => "storage.upload_dataset",
                "canceled" or "cancelled" => "pipeline.cancel_run",
                _ => null,
            };
            if (action is not null) return action;
        }
        return null;
    }

    /// <summary>The help area a message asks about, or null.</summary>
    public static string? HelpTopic(Utterance u)
    {
        foreach (var w in u.Words)
        {
            var topic = w switch
            {
                "drift" or "drifting" or "monitoring" or "monitor" or "psi" or "alerts" => "drift",
                "pipeline" or "pipelines" or "runs" or "jobs" or "workflows" or "workflow" or "kubeflow" => "pipeline",
                "dataset" or "datasets" or "data" or "storage" or "files" or "upload" or "uploads" or "buckets" or "bucket" => "storage",
                "training" or "train" or "automl" or "leaderboard" => "training",
                "deploy" or "deploying" or "deployment" or "deployments" or "registry" or "models" or "model" or "serving" or "predictions" or "rollback" => "registry",
                "governance" or "lineage" or "audit" or "approvals" or "approval" or "approve" => "governance",
                "knowledge" or "docs" or "documentation" or "questions" => "knowledge",
                _ => null,
            };
            if (topic is not null) return topic;
        }
        return null;
    }

    /// <summary>Run status filter in the job states' words.</summary>
    public static string? RunStatus(Utterance u)
    {
        // "current(ly)" means running only when no other state is named ("anything currently queued?" is pending).
        string? weak = null;
        foreach (var w in u.Words)
        {
            if (w is "current" or "currently") { weak ??= "running"; continue; }
            var s = w switch
            {
                "running" or "active" or "ongoing" => "running",
                "fail" or "failed" or "failing" or "failure" or "failures" or "broken" or "crashed" or "errored" => "failed",
                "succeeded" or "successful" or "success" or "completed" or "finished" or "passed" => "succeeded",
                "canceled" or "cancelled" or "stopped" or "aborted" or "killed" => "canceled",
                "queued" or "pending" or "waiting" or "scheduled" => "pending",
                _ => null,
            };
            if (s is not null) return s;
        }
        return weak;
    }

    /// <summary>The approval id ("approve 42", "reject #17", "approve apr-108") and whatever follows it as a comment.</summary>
    public static (string? Id, string? Comment) Approval(string text)
    {
        var (id, end) = ApprovalIdAt(text);
        if (id is null)
        {
            // "approve it, looks good": the id comes from the conversation, the comment from the message.
            var pointed = EntityPatterns.ApprovalOfAnaphora().Match(text);
            var said = pointed.Success ? Unquote(pointed.Groups["c"].Value.Trim().TrimEnd('.', '!')) : "";
            return (null, said.Any(char.IsLetter) && !IsOnlyCourtesy(said) ? said : null);
        }
        var rest = text[end..];
        // "approval 15 looks fine, approve it": the id came before the verb, so what sits between them is the reason the
        // person gave themselves, not a comment; only words after the command itself are.
        if (EntityPatterns.ApprovalOfAnaphora().Match(rest) is { Success: true } command)
            rest = command.Groups["c"].Success ? command.Groups["c"].Value : "";
        var c = EntityPatterns.Comment().Match(rest);
        var comment = c.Success ? Unquote(c.Groups["c"].Value.Trim()) : "";
        return (id, comment.Any(char.IsLetter) && !IsOnlyCourtesy(comment) ? comment : null);
    }

    /// <summary>The approval id a message names explicitly ("approval 204", "request 311"), without guessing from a bare number.</summary>
    public static string? NamedApprovalId(string text) =>
        EntityPatterns.ApprovalId().Match(text) is { Success: true } m ? m.Groups["id"].Value : null;

    private static (string? Id, int End) ApprovalIdAt(string text)
    {
        if (EntityPatterns.ApprovalId().Match(text) is { Success: true } named) return (named.Groups["id"].Value.TrimEnd('.', '-'), named.Index + named.Length);
        var m = EntityPatterns.BareNumber().Match(text);
        return m.Success ? (m.Groups["id"].Value, m.Index + m.Length) : (null, 0);
    }

    private static string Unquote(string s) =>
        s.Length >= 2 && (s[0] == '"' && s[^1] == '"' || s[0] == '\'' && s[^1] == '\'') ? s[1..^1].Trim() : s;

    /// <summary>"thanks", "for now", "pls": politeness after an id, not a comment worth recording.</summary>
    private static bool IsOnlyCourtesy(string comment)
    {
        foreach (var w in comment.Split([' ', ',', '!', '.', ';', '#'], StringSplitOptions.RemoveEmptyEntries))
            if (!w.All(char.IsAsciiDigit) && w.ToLowerInvariant() is not ("and" or "&" or "for" or "now" or "thanks" or "thank" or "you" or "please" or "pls" or "plz" or "cheers" or "ok" or "okay"
                or "asap" or "today" or "then" or "thx" or "ty" or "much" or "a" or "lot" or "in" or "advance" or "again" or "team" or "all")) return false;
        return true;
    }
}
