using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace SwarmAgentBot.Agents.Supervisor.Routing;

/// <summary>The compiled patterns entity extraction uses (source-generated, so no start-up or per-call compile cost).</summary>
internal static partial class EntityPatterns
{
    /// <summary>Words that are never names of models, datasets, columns, targets or buckets.</summary>
    public static readonly FrozenSet<string> Stop = (
        "a an the this that these those it its it's my our your their his her them they we us you i me he she one ones which what whose who "
        + "any some every each all no not new old other same latest newest current previous last first next final best top good bad "
        + "is are was were be been being am do does did done has have had will would can could should may might must shall "
        + "of in on at to into onto from by for with without about as and or but if then than so too very also just only please pls "
        + "again now today yesterday tomorrow here there when where how why while until till since before after "
        + "column columns col field feature features variable value values target label labels class data dataset datasets file files "
        + "model models version versions run runs job jobs pipeline pipelines bucket buckets stage staging production prod live "
        + "trained training registered deployed winning ml ai machine learning automl xgboost regression classification classifier regressor "
        + "s3 csv table tables whole entire thing something anything everything stuff "
        + "up down out over under off me, using via per vs versus against like named called whether "
        + "minute minutes hour hours second seconds day days week weeks month months row rows record records line lines "
        + "put set make get bring move switch swap take use try keep let send roll push ship promote deploy "
        // Words that describe runs or pipelines rather than name them ("recent pipeline runs", "running pipeline runs").
        + "recent recently running failed failing succeeded successful finished completed queued pending active scheduled"
    ).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string> HyphenatedWords = (
        "sign-off signed-off roll-back rolled-back kick-off set-up follow-up side-by-side up-to-date real-time built-in long-winded so-called "
        + "well-known state-of-the-art end-to-end step-by-step one-off check-in opt-in opt-out log-in day-to-day out-of-scope f1-score "
        + "roc-auc macro-f1 log-loss two-year one-year year-over-year high-level low-level top-level in-depth first-class hands-on "
        + "time-series bar-chart cross-validation go-live e-mail x-axis y-axis t-shirt a-b k-means k-fold"
    ).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string> EnglishPrefixes =
        new[] { "re", "pre", "co", "non", "auto", "self", "multi", "cross", "hyper", "sub", "un", "anti", "semi", "mid", "post", "e", "x", "y", "t", "k", "a" }
            .ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>True when a hyphenated word is a name (churn-model, train-and-register) rather than English (re-train, sign-off) or a run id (run-12).</summary>
    public static bool IsNameLike(string hyphenated)
    {
        if (HyphenatedWords.Contains(hyphenated)) return false;
        var dash = hyphenated.IndexOf('-');
        if (dash <= 0) return true;
        var head = hyphenated[..dash];
        if (EnglishPrefixes.Contains(head)) return false;
        if ((head.Equals("run", StringComparison.OrdinalIgnoreCase) || head.Equals("job", StringComparison.OrdinalIgnoreCase))
            && hyphenated.AsSpan(dash + 1).ContainsAnyInRange('0', '9')) return false;
        return true;
    }

    /// <summary>True for a word that can be a user-chosen name (not a function word or one of the router's keywords).</summary>
    public static bool IsNameWord(string word) =>
        IsIdentifierish(word) || (word.Length >= 2 && !Stop.Contains(word) && !Lexicon.Words.ContainsKey(word.ToLowerInvariant())
            && Utterance.Stem(word.ToLowerInvariant()) is null && !IsNumber(word));

    private static bool IsIdentifierish(string word) => word.Length >= 2 && (word.Contains('_') || word.Contains('-')) && !Stop.Contains(word);

    private static bool IsNumber(string word) => double.TryParse(word, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);

    [GeneratedRegex(@"(?<uri>\bs3a?://[^\s,;'""()<>]+|\bhttps?://[^\s,;'""()<>]+)|(?<file>(?<![\w/.\-])[\w][\w.\-]*(?:/[\w.\-]+)*\.(?:csv|tsv|parquet|pq|jsonl|ndjson|json|xlsx|xls|txt|feather|orc|avro|arrow|gz|zip)\b)|(?<kv>(?<![\w.])[A-Za-z_][\w.]*\s*=\s*(?:""[^""]*""|'[^']*'|[^\s,;]+))|(?<ident>(?<![\w.\-/@#])[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)+(?![\w\-]))", RegexOptions.IgnoreCase)]
    public static partial Regex Opaque();

    [GeneratedRegex(@"\bs3a?://(?<bucket>[A-Za-z0-9][\w.\-]*)(?:/(?<path>[^\s,;'""()<>]*))?", RegexOptions.IgnoreCase)]
    public static partial Regex S3Uri();

    [GeneratedRegex(@"(?<![\w/.\-])(?<file>[\w][\w.\-]*(?:/[\w.\-]+)*\.(?:csv|tsv|parquet|pq|jsonl|ndjson|json|xlsx|xls|txt|feather|orc|avro|arrow|gz|zip))\b", RegexOptions.IgnoreCase)]
    public static partial Regex FileName();

    [GeneratedRegex(@"(?<![\w.\-/@#])(?<id>[A-Za-z][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)+)(?![\w\-])(?!\.\w)", RegexOptions.IgnoreCase)]
    public static partial Regex Hyphenated();

    [GeneratedRegex(@"(?<![\w.])(?<k>[A-Za-z_][\w.]*)\s*=\s*(?<v>""[^""]*""|'[^']*'|[^\s,;]+)")]
    public static partial Regex KeyValue();

    // "why did the fraud model flag this one": a word followed by what it acts on is the model's verb, not its name.
    [GeneratedRegex(@"\bmodel\s+(?:named\s+|called\s+)?(?<n>[A-Za-z][\w.]*(?<![.]))\b(?!\s+(?:this|that|these|those|it|them|so|all|every|any|some|me|us)\b)", RegexOptions.IgnoreCase)]
    public static partial Regex ModelThenName();

    [GeneratedRegex(@"\b(?<n>[A-Za-z][\w]*)\s+model\b", RegexOptions.IgnoreCase)]
    public static partial Regex NameThenModel();

    // "churn_model", "fraud_xgb_v2", "price_regressor": snake_case names with a model-ish part (other snake_case words are usually columns).
    [GeneratedRegex(@"(?<![\w.\-/])(?<n>[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*_(?:model|clf|classifier|regressor|xgb|lgbm|rf|gbm|net)(?:_[A-Za-z0-9]+)*|(?:model|clf|xgb|lgbm)_[A-Za-z0-9_]+)(?![\w.\-=])", RegexOptions.IgnoreCase)]
    public static partial Regex SnakeCaseModel();

    // A model called by one plain word: "retrain pricing", "promote fraud to production", "drift history for churn",
    // "is pricing drifting?". Only right after a verb that acts on a model, or after a model-level noun and a preposition.
    // "revert staging for pricing" is tried before "revert X" (at one position the first alternative that matches wins).
    [GeneratedRegex(@"\b(?:roll\s*back|revert)\s+(?:prod|production|staging|stage|live)\s+(?:for|of)\s+(?:the\s+)?(?<n>[A-Za-z][A-Za-z0-9_]{2,})\b(?![.\-/])"
        + @"|\b(?:re-?train|retraining|deploy|promote|ship|release|roll\s*back|revert|monitor|explain|evaluate)\s+(?<n>[A-Za-z][A-Za-z0-9_]{2,})\b(?![.\-/])"
        + @"|\b(?:drift|drifts|history|trend|versions?|deployments?|importances?|leaderboard|lineage|monitoring|alerts?|thresholds?|checks?|files|artifacts|outputs)\s+(?:of|for|on|in)\s+(?:the\s+)?(?<n>[A-Za-z][A-Za-z0-9_]{2,})\b(?![.\-/])"
        // "which candidates did automl try for churn".
        + @"|\b(?:candidates|trials)\b[^.?!,]{0,30}?\bfor\s+(?:the\s+)?(?<n>[A-Za-z][A-Za-z0-9_]{2,})\b(?![.\-/])"
        + @"|\b(?:is|has|did|does)\s+(?<n>[A-Za-z][A-Za-z0-9_]{2,})\s+(?:drift|drifting|drifted)\b"
        // Scoring with a model: "predict with churn on prod: ...", "score leads_nov.csv with leads", "what would fraud say for ...",
        // "... using pricing on staging" ("predict churn for tenure=3" is left alone: churn may be what is predicted, not the model).
        + @"|\bpredict(?:ions?)?\s+with\s+(?:the\s+)?(?<n>[A-Za-z][A-Za-z0-9_]{2,})\b(?![.\-/])"
        + @"|\bscore\s+\S+\s+with\s+(?:the\s+)?(?<n>[A-Za-z][A-Za-z0-9_]{2,})\b(?![.\-/])"
        + @"|\bwhat\s+(?:would|does|will)\s+(?<n>[A-Za-z][A-Za-z0-9_]{2,})\s+(?:say|predict)\b"
        + @"|\b(?:using|with)\s+(?:the\s+)?(?<n>[A-Za-z][A-Za-z0-9_]{2,})\s+(?:on|in)\s+(?:prod|production|staging|stage|live)\b", RegexOptions.IgnoreCase)]
    public static partial Regex BareModelName();

    // "run nightly_etl", "describe pipeline feature_build", "which runs of nightly_etl failed": a snake_case name where a pipeline goes.
    [GeneratedRegex(@"\b(?:run|re-?run|trigger|launch|start|kick\s+off|describe|pipeline|runs\s+of|executions\s+of)\s+(?:the\s+)?(?<n>[a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b(?![.=\-/])", RegexOptions.IgnoreCase)]
    public static partial Regex SnakeCasePipeline();

    [GeneratedRegex(@"\b(?<n>[A-Za-z][\w]*)\s+(?:v\.?\s?\d+|version\s+\d+)\b", RegexOptions.IgnoreCase)]
    public static partial Regex NameThenVersion();

    [GeneratedRegex(@"\bversion\s+\d+\s+of\s+(?:the\s+)?(?<n>[A-Za-z][\w\-]*)", RegexOptions.IgnoreCase)]
    public static partial Regex VersionOfName();

    [GeneratedRegex(@"\b(?:pipeline|workflow|dag)\s+(?:named\s+|called\s+)?(?<n>[A-Za-z][\w\-]*)", RegexOptions.IgnoreCase)]
    public static partial Regex PipelineThenName();

    [GeneratedRegex(@"\b(?<n>[A-Za-z][\w\-]*)\s+(?:pipeline|workflow|dag)\b", RegexOptions.IgnoreCase)]
    public static partial Regex NameThenPipeline();

    [GeneratedRegex(@"\b(?:dataset|data\s+set|table)\s+(?:named\s+|called\s+)?(?<n>[A-Za-z][\w\-]*)(?![\w.\-])", RegexOptions.IgnoreCase)]
    public static partial Regex DatasetThenName();

    [GeneratedRegex(@"\b(?<n>[A-Za-z][\w\-]*)\s+(?:dataset|data\s+set)\b", RegexOptions.IgnoreCase)]
    public static partial Regex NameThenDataset();

    // Bare dataset names ("train a model on churn", "profile churn", "plot tenure in churn"): only
    // consulted for intents that take a dataset, and only words that are not vocabulary.
    [GeneratedRegex(@"\b(?:on|using|against)\s+(?:the\s+|my\s+|our\s+)?(?<n>[A-Za-z][\w\-]*)(?![\w.\-])", RegexOptions.IgnoreCase)]
    public static partial Regex DatasetAfterPreposition();

    [GeneratedRegex(@"\b(?:preview|profile|plot|delete|remove|describe|summari[sz]e)\s+(?:the\s+|my\s+)?(?<n>[A-Za-z][\w\-]*)(?![\w.\-])", RegexOptions.IgnoreCase)]
    public static partial Regex DatasetAfterVerb();

    [GeneratedRegex(@"\b(?:in|of|from)\s+(?:the\s+)?(?<n>[A-Za-z][\w\-]*)\s*[?.!]*\s*$", RegexOptions.IgnoreCase)]
    public static partial Regex DatasetAtEnd();

    [GeneratedRegex(@"\bas\s+(?<n>[A-Za-z][\w\-]*)(?![\w.\-])", RegexOptions.IgnoreCase)]
    public static partial Regex AsName();

    [GeneratedRegex(@"\bbucket\s+(?:named\s+|called\s+)?(?<n>[A-Za-z0-9][\w.\-]*[\w])", RegexOptions.IgnoreCase)]
    public static partial Regex BucketThenName();

    [GeneratedRegex(@"\b(?<n>[A-Za-z0-9][\w.\-]*)\s+bucket\b", RegexOptions.IgnoreCase)]
    public static partial Regex NameThenBucket();

    [GeneratedRegex(@"\b(?:prefix(?:ed)?(?:\s+with)?|starting\s+with|starts\s+with|beginning\s+with|begins\s+with|under)\s+(?:the\s+)?(?:(?:prefix|folder|path|directory)\s+)?(?<n>[^\s,;?!]+)|(?<![\w/])(?<n>[\w.\-]+(?:/[\w.\-]+)*/)\s+prefix\b", RegexOptions.IgnoreCase)]
    public static partial Regex Prefix();

    [GeneratedRegex(@"(?<![\w.\-])v\.?\s?(?<n>\d+)\b|\bversion\s*(?:number\s*|no\.?\s*|#\s*)?(?<n>\d+)\b|\b(?<n>\d+)(?:st|nd|rd|th)\s+(?:version|release|iteration)\b", RegexOptions.IgnoreCase)]
    public static partial Regex Version();

    // "deplyo churn-xgb 4 to stage": a bare number right after a model's name, before where it goes.
    [GeneratedRegex(@"\b[A-Za-z][\w]*[-_][\w\-]*\s+(?<n>\d{1,3})\s+(?:to|into|in|on)\b", RegexOptions.IgnoreCase)]
    public static partial Regex VersionAfterName();

    // A bare number that stands for a run: asked about like one ("is 42 done?", "how is 918 doing"), or right after a word
    // that takes a run ("rerun 57 with the same seed", "tail logs 3021", "training 19 finished??").
    [GeneratedRegex(@"^\s*(?:and\s+|so\s+)?(?:is\s+#?(?<id>\d+)\s+(?:done|finished|complete|completed|ready|over|still|running|going|stuck|alive)|how(?:'s|\s+is)\s+#?(?<id>\d+)\s+(?:doing|going|getting\s+on|coming\s+along))\b"
        + @"|\b(?:rerun|re-run|replay|reproduce|logs?|training)\s+#?(?<id>\d+)\b(?![.%])", RegexOptions.IgnoreCase)]
    public static partial Regex RunByNumber();

    // "ls ml-raw under 2024/11/": the bucket right after ls.
    [GeneratedRegex(@"^\s*ls\s+(?:s3\s+)?(?<n>[a-z0-9][a-z0-9.\-]{2,62})(?:\s|$)")]
    public static partial Regex BucketAfterLs();

    // "... as a dataset in analytics-prod": where an upload goes, named last.
    [GeneratedRegex(@"\b(?:in|into|to)\s+(?:the\s+)?(?<n>[a-z0-9][a-z0-9.]*-[a-z0-9.\-]+)(?:\s+bucket)?\s*[.!?]*\s*$")]
    public static partial Regex UploadBucketAtEnd();

    [GeneratedRegex(@"\b(?:latest|newest|most\s+recent)\b", RegexOptions.IgnoreCase)]
    public static partial Regex Latest();

    [GeneratedRegex(@"\b(?<p>production|prod|prd)\b|(?<p>(?:'s|\b(?:to|in|into|on|is|are|go|get|be|it|them|from|currently|goes|went))\s+live\b|\b(?:the|all|any|our|which|what|every)\s+live\s+(?=model|version|deployment|endpoint|[a-z][\w]*-[\w-]))|(?<p>\blive\s*(?:[?.!,]|$|(?:pls|please|plz|now|asap|thanks|too)\b))|(?<s>\b(?:staging|preprod|uat)\b|\btest\s+env(?:ironment)?\b|\b(?:to|in|into|on|from|the|for)\s+stage\b(?!\s+(?:of|\d)))", RegexOptions.IgnoreCase)]
    public static partial Regex Stage();

    [GeneratedRegex(@"^\s*(?:minutes?|mins?|hours?|days?|weeks?|predictions?|requests?|am|pm|o'clock)\b", RegexOptions.IgnoreCase)]
    public static partial Regex NotAThreshold();

    [GeneratedRegex(@"\b(?:to|into|onto)\s+(?:the\s+)?$", RegexOptions.IgnoreCase)]
    public static partial Regex TargetPreposition();

    // "run 12", "job #7", "run-42" (id 42); and ids that carry a training prefix themselves, kept whole: "tr-0091", "train-7b2c".
    [GeneratedRegex(@"(?:\b(?:runs?|jobs?|executions?|run\s*ids?)\b\s*(?:ids?\s*)?(?:number\s*|no\.?\s*)?[#:]?\s*|(?<![\w#])#\s*|\b(?:run|job)[-_])(?<id>(?=[\w\-]*\d)[A-Za-z0-9][\w\-]*)"
        + @"|\b(?<id>(?:tr|train|training|automl)[-_](?=[\w\-]*\d)[A-Za-z0-9][\w\-]*)", RegexOptions.IgnoreCase)]
    public static partial Regex RunId();

    [GeneratedRegex(@"\G\s*(?:,|and|&|vs\.?|versus|or|with|to|\+)\s*(?:(?:runs?|jobs?)\s*)?#?\s*(?<id>[A-Za-z0-9][\w\-]*)", RegexOptions.IgnoreCase)]
    public static partial Regex RunIdContinuation();

    [GeneratedRegex(@"(?<![\w.\-])#?(?<id>\d+)(?![\w.%])")]
    public static partial Regex BareNumber();

    // "approve 42", "reject apr-109", "sign off on approval id 1503", "request #a7b2": an id after the verb or the noun, with a digit in it.
    [GeneratedRegex(@"\b(?:approve|approved|approving|reject|rejected|rejecting|deny|denied|decline|declining|veto|refuse|accept|approval|request|req)\b(?:\s+(?:the\s+)?(?:pending\s+)?(?:approval|request|req|id|number|no\.?|ticket)\b)*\s*[#:]?\s*(?<id>(?=[\w\-]*\d)[A-Za-z0-9][\w\-]*)", RegexOptions.IgnoreCase)]
    public static partial Regex ApprovalId();

    [GeneratedRegex(@"\b(?:approve|reject|deny|decline|veto|refuse|accept)\s+(?:that\s+one|this\s+one|it|that|this)\b(?:[\s,:;\-]*(?:(?:because|since|as|reason|comment|note|saying)\b\s*[:\-]?\s*)?(?<c>.+))?$", RegexOptions.IgnoreCase)]
    public static partial Regex ApprovalOfAnaphora();

    [GeneratedRegex(@"\b(?<k>learning[\s_]rate|lr|max[\s_]depth|depth|n[\s_]estimators|number\s+of\s+trees|num[\s_]trees|epochs?|batch[\s_]size|seed|dropout|subsample|min[\s_]child[\s_]weight|eta|gamma|alpha|lambda|folds|test[\s_]size)\s*(?:of|=|:|to|at|is)?\s*(?<v>-?\d+(?:\.\d+)?|-?\.\d+)|\b(?<v>\d+)\s+(?<k>epochs|trees|folds)\b", RegexOptions.IgnoreCase)]
    public static partial Regex KnownParam();

    [GeneratedRegex(@"\b(?:with|and)\s+(?:a\s+|an\s+|the\s+)?(?<k>[A-Za-z_]+)\s+(?:of\s+|=\s*|at\s+|to\s+|set\s+to\s+)?(?<v>-?\d+(?:\.\d+)?)(?![\w.%])(?!\s*(?:minutes?|mins?|hours?|hrs?|seconds?|secs?|days?|weeks?|rows?)\b)", RegexOptions.IgnoreCase)]
    public static partial Regex SpokenParam();

    [GeneratedRegex(@"^(?:(?:a|an|the)\s+)?(?<k>[A-Za-z_][\w]*)(?:\s*(?:=|:)\s*|\s+(?:(?:is|of|at)\s+)?)(?<v>""[^""]*""|'[^']*'|-?\d+(?:\.\d+)?%?|[A-Za-z_][\w.\-]*)\s*[.!?]*$", RegexOptions.IgnoreCase)]
    public static partial Regex RecordPiece();

    [GeneratedRegex(@"\s*(?:,|;|&|\band\b)\s*", RegexOptions.IgnoreCase)]
    public static partial Regex RecordSeparator();

    [GeneratedRegex(@"\s(?:using|via|from|with|in|on|please|pls|thanks|through|against)\b.*$", RegexOptions.IgnoreCase)]
    public static partial Regex RecordTail();

    [GeneratedRegex(@"\b(?:first|top|last)\s+(?<n>\d+)\b|\b(?<n>\d+)\s+(?:rows?|lines?|records?|entries|examples)\b|(?:^|\s)-n\s*(?<n>\d+)\b", RegexOptions.IgnoreCase)]
    public static partial Regex Rows();

    [GeneratedRegex(@"\b(?:target|label|targt|tagret|traget|trget)(?:\s+(?:column|variable|col))?(?:\s+(?:is|should\s+be|will\s+be|=)(?=\s))?\s*[:=]?\s*['""‘“]?(?<t>[A-Za-z_][\w\-]*)", RegexOptions.IgnoreCase)]
    public static partial Regex TargetNamed();

    // "... whether a client subscribes (column y)".
    [GeneratedRegex(@"\(\s*(?:the\s+)?(?:target\s+|label\s+)?(?:column|col|target|label)\s*[:=]?\s*(?<t>[A-Za-z_][\w\-]*)\s*\)", RegexOptions.IgnoreCase)]
    public static partial Regex TargetInParentheses();

    [GeneratedRegex(@"\b(?<t>[A-Za-z_][\w\-]*)\s+as\s+(?:the\s+|a\s+)?(?:target|label)\b", RegexOptions.IgnoreCase)]
    public static partial Regex TargetAs();

    [GeneratedRegex(@"\bpredict(?:s|ing)?\s+(?:the\s+|a\s+|whether\s+|if\s+)?(?:value\s+of\s+|column\s+)?(?<t>[A-Za-z_][\w\-]*)", RegexOptions.IgnoreCase)]
    public static partial Regex TargetPredicting();

    [GeneratedRegex(@"\bfor\s+(?<t>[A-Za-z_][\w\-]*)\b(?![.\-]\w)", RegexOptions.IgnoreCase)]
    public static partial Regex TargetFor();

    // "the column to predict is failure", "field to predict: churn_flag", "for column Left", "delivery_times.csv -> eta_minutes".
    [GeneratedRegex(@"\b(?:column|col|field|variable)\s+(?:to|we\s+want\s+to|i\s+want\s+to)\s+predict\s*(?:is|=|:|would\s+be|should\s+be)?\s*(?<t>[A-Za-z_][\w\-]*)|\bfor\s+(?:the\s+)?(?:column|col)\s+(?<t>[A-Za-z_][\w\-]*)"
        + @"|\b(?:column|col|field|variable)\s+(?:we|i)\s+(?:care\s+about|are\s+predicting|need\s+predicted|need\s+to\s+predict)\s+(?:is|=|:)\s*(?<t>[A-Za-z_][\w\-]*)"
        // "train on wine.csv quality regression": a file, one word, and the kind of task.
        + @"|\.\w{2,8}\s+(?<t>[A-Za-z_][\w\-]*)\s+(?:regression|classification)\b"
        // "... in loans.csv column default_flag": a column named right after the file is the one to learn.
        + @"|\.\w{2,8}\s*,?\s+(?:column|col)\s+(?<t>[A-Za-z_][\w\-]*)", RegexOptions.IgnoreCase)]
    public static partial Regex TargetSpelledOut();

    [GeneratedRegex(@"\.\w{2,8}\s*(?:->|→|=>)\s*(?<t>[A-Za-z_][\w\-]*)", RegexOptions.IgnoreCase)]
    public static partial Regex TargetAfterArrow();

    [GeneratedRegex(@"\b(?<a>[A-Za-z_][\w]*)\s+(?:vs\.?|versus|against|by)\s+(?:the\s+)?(?<b>[A-Za-z_][\w]*)\b(?![.\-]\w)", RegexOptions.IgnoreCase)]
    public static partial Regex ColumnPair();

    [GeneratedRegex(@"\b(?:plot|chart|histogram|graph|scatter(?:\s*plot)?|visuali[sz]e|draw|distribution|boxplot|heatmap)\s+(?:of\s+|for\s+)?(?:the\s+)?(?:distribution\s+of\s+(?:the\s+)?)?(?<a>[A-Za-z_][\w]*)\b(?![.\-]\w)", RegexOptions.IgnoreCase)]
    public static partial Regex ColumnAfterChart();

    [GeneratedRegex(@"^\W*(?:hi|hello|hey|heya|hiya|yo|morning|good\s+(?:morning|afternoon|evening)|dear)\s+@?(?<n>[\w][\w\-]*)\s*[,!:]", RegexOptions.IgnoreCase)]
    public static partial Regex Addressee();

    // "distribution stats of tenure", "summary statistics for Age", "a breakdown of income": the column a profile is about.
    [GeneratedRegex(@"\b(?:stats|statistics|summary|breakdown|spread|skew|skewness)\s+(?:of|for|on)\s+(?:the\s+)?(?<a>[A-Za-z_][\w]*)\b(?![.\-]\w)", RegexOptions.IgnoreCase)]
    public static partial Regex ColumnAfterStats();

    // A word that spelling correction may apply to (all letters, five or more: see Utterance.Correct).
    [GeneratedRegex(@"\b[A-Za-z]{5,}\b")]
    public static partial Regex LetterWord();

    // "column tenure", "the tenure column". The word "column" is only looked at after a name, not taken, so "plot column tenure"
    // still finds "column tenure" once "plot" is turned down; "column types", "column names" are about every column.
    [GeneratedRegex(@"\bcolumn\s+(?!(?:types?|names?|counts?|stats|statistics|summary|list)\b)(?<a>[A-Za-z_][\w]*)\b(?![.\-]\w)|\b(?<a>[A-Za-z_][\w]*)\s+(?=column\b)", RegexOptions.IgnoreCase)]
    public static partial Regex ColumnWord();

    // At the start of what follows "with": a feature and a number ("age 42", "tenure=3"), so a record follows.
    [GeneratedRegex(@"\G[A-Za-z_]\w*\s*[=:]?\s*[\w.\-]*\d")]
    public static partial Regex FeatureWithNumber();

    [GeneratedRegex(@"\b(?:missing|nulls?|nans?|empty)\s+(?:values\s+|cells\s+)?(?:in|for|of)\s+(?:the\s+)?(?<a>[A-Za-z_][\w]*)\b(?![.\-]\w)", RegexOptions.IgnoreCase)]
    public static partial Regex ColumnAfterMissing();

    [GeneratedRegex(@"(?<!\bevery\s+)(?<!\b(?:last|past|previous)\s+)(?:(?<halfhour>\bhalf\s+an?\s+hour\b)|(?<quarters>\b(?:3|three)\s+quarters\s+of\s+an\s+hour\b)|(?<quarter>\b(?:a\s+)?quarter\s+(?:of\s+)?an?\s+hour\b)|(?<n>\b\d+(?:\.\d+)?|\.\d+)\s*(?<u>seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)(?![a-z])|(?<a>\b(?:an?|one|a\s+couple\s+of|couple\s+of))\s+(?<u>seconds?|minutes?|hours?)\b)(?:\s*(?:and\s+)?(?:(?<half>a\s+half)\b|(?<n2>\d+)\s*(?<u2>minutes?|mins?|m|seconds?|secs?|s)\b))?", RegexOptions.IgnoreCase)]
    public static partial Regex Duration();

    [GeneratedRegex(@"\bevery\s+(?:(?<n>\d+)\s*)?(?<u>seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|nights?|mornings?|weeks?|months?)\b|\bevery\s+(?<n>\d+)\s+(?<p>predictions?|requests?|rows?|records?|calls?|scores?|inferences?)\b|\b(?<w>hourly|daily|nightly|weekly|monthly)\b|\b(?:once|one\s+time)\s+(?:a|an|per)\s+(?<u>day|hour|week|month)\b|\b(?<twice>twice)\s+(?:a|per)\s+day\b", RegexOptions.IgnoreCase)]
    public static partial Regex Schedule();

    [GeneratedRegex(@"\b(?:last|past|previous|recent)\s+(?:(?<n>\d+)\s*)?(?<u>minutes?|mins?|hours?|hrs?|days?|weeks?|fortnights?|months?|years?)\b|\b(?:last|past|previous|recent)\s+(?<n>\d+)\s+(?<p>predictions?|requests?|rows?|records?|inferences?|scores?)\b|\b(?<y>yesterday|today)\b|\bthis\s+(?<this>week|month)\b", RegexOptions.IgnoreCase)]
    public static partial Regex Window();

    [GeneratedRegex(@"(?:\b(?:above|over|exceeds?|exceeding|exceeded|greater\s+than|more\s+than|higher\s+than|beyond|past|below|under|less\s+than|lower\s+than|drops?\s+(?:below|under|to)|falls?\s+(?:below|under)|threshold(?:\s+(?:of|at|to|is|=|:))?|reaches|hits|at|to|(?:worse|better)\s+than)\s*|[<>]=?\s*)(?<v>\d+(?:\.\d+)?|\.\d+)\s*(?<pct>%|percent)?|(?<v>\d+(?:\.\d+)?)\s*(?<pct>%|percent)\s+threshold", RegexOptions.IgnoreCase)]
    public static partial Regex Threshold();

    [GeneratedRegex(@"\bstep\s+(?:named\s+|called\s+)?(?<s>[A-Za-z_][\w\-]*)", RegexOptions.IgnoreCase)]
    public static partial Regex StepThenName();

    [GeneratedRegex(@"\b(?<s>[A-Za-z_][\w\-]*)\s+step\b", RegexOptions.IgnoreCase)]
    public static partial Regex NameThenStep();

    [GeneratedRegex(@"\bby\s+(?:user\s+)?(?<u>[A-Za-z][\w.\-]*)|\bwhat\s+(?:did|has|is|'s)\s+(?<u>[A-Za-z][\w.\-]*)\s+(?:do|done|change|changed|deploy|deployed|touch|been\s+doing|been\s+up\s+to)\b|\bwhat\s+(?<u>[A-Za-z][\w.\-]*)\s+(?:did|has\s+done|changed|deployed)\b|\b(?<u>[A-Za-z][\w.\-]*)'s\s+(?:actions|changes|activity|history)\b|\bdid\s+(?<u>[A-Za-z][\w.\-]*)\s+(?:take|make|do|perform)\b|\buser\s+(?<u>[A-Za-z][\w.\-]*)|^\s*(?:show\s+|list\s+)?(?:me\s+)?(?:everything|anything|all)\s+(?<u>[A-Za-z][\w.\-]*)\s+(?:did|has\s+done|changed|touched)\b|\b(?:audit(?:\s+(?:log|trail))?|activity|actions)(?:\s+(?:entries|events|records|items|history))?\s+(?:for|of)\s+(?<u>[A-Za-z][\w.\-]*)\s*[?.!]*$", RegexOptions.IgnoreCase)]
    public static partial Regex AuditUser();

    [GeneratedRegex(@"^[\s,:;.\-]*(?:(?:because|since|as|reason|comment|note|saying|with\s+(?:the\s+)?comment)\b\s*[:\-]?\s*)?(?<c>.*?)[\s.!]*$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    public static partial Regex Comment();
}
