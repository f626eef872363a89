using System.Globalization;
using System.Text.RegularExpressions;

namespace SwarmAgentBot.Agents.Supervisor.Routing;

/// <summary>One piece of a multi-step request and the condition that guards it.</summary>
/// <param name="Text">The piece, with its condition cut out.</param>
/// <param name="Condition">"metric op number" (e.g. "f1 &gt;= 0.8"), or null.</param>
/// <param name="Original">The piece as written, condition included (a monitoring request keeps "alert if psi is over 0.2").</param>
internal sealed record Piece(string Text, string? Condition, string Original);

/// <summary>
/// Splits "train X then deploy it to staging if f1 is at least 0.8" into pieces at "then", "after that",
/// "once it's done", ";", sentence ends, and "and"/"," before another action verb, and reads each piece's
/// condition into the normal form "metric op number" ("auc above 0.9" → "auc &gt; 0.9", "80%" → 0.8).
/// </summary>
internal static partial class StepSplitter
{
    private static readonly HashSet<string> ActionVerbs = new(StringComparer.Ordinal)
    {
        "deploy", "promote", "ship", "release", "push", "rollback", "revert", "evaluate", "test", "check", "monitor", "watch", "show", "list",
        "plot", "chart", "profile", "preview", "explain", "predict", "score", "retrain", "train", "run", "start", "launch", "trigger", "cancel",
        "stop", "reproduce", "compare", "approve", "reject", "delete", "remove", "upload", "describe", "alert", "schedule", "notify",
        "draw", "visualise", "visualize", "register", "validate", "benchmark", "rerun", "if",
    };

    /// <summary>Most pieces one message is split into; the rest stays in the last piece (the supervisor caps plans anyway).</summary>
    public const int MaxPieces = 8;

    /// <summary>Splits cleaned text into pieces (at least one, at most <see cref="MaxPieces"/>).</summary>
    public static List<Piece> Split(string cleaned, Func<string, bool> isAction)
    {
        var rough = Boundary().Split(cleaned, MaxPieces);
        var parts = new List<string>();
        foreach (var r in rough)
        {
            if (string.IsNullOrWhiteSpace(r)) continue;
            if (parts.Count >= MaxPieces - 1) { parts.Add(r.Trim()); continue; }
            SplitBeforeVerbs(r.Trim(), parts, isAction);
        }
        if (parts.Count > MaxPieces) parts = [.. parts.Take(MaxPieces - 1), string.Join(" ", parts.Skip(MaxPieces - 1))];
        var pieces = new List<Piece>(parts.Count);
        string? carried = null;
        foreach (var part in parts)
        {
            var (rest, condition) = CutCondition(part);
            condition ??= carried;
            carried = null;
            if (!rest.Any(char.IsLetterOrDigit) || IsOnlyFiller(rest))
            {
                if (condition is not null) carried = condition;
                continue;
            }
            pieces.Add(new Piece(rest, condition, part));
        }
        if (pieces.Count == 0) pieces.Add(new Piece(cleaned, null, cleaned));
        return pieces;
    }

    /// <summary>Most "is what comes before this verb a request?" checks per piece of text: each one analyses the text so far.</summary>
    private const int MaxVerbChecks = 12;

    private static void SplitBeforeVerbs(string text, List<string> parts, Func<string, bool> isAction)
    {
        var start = 0;
        var checks = 0;
        foreach (Match m in Joiner().Matches(text))
        {
            if (parts.Count >= MaxPieces - 1 || checks >= MaxVerbChecks) break;
            var next = Utterance.Correct(m.Groups["verb"].Value.ToLowerInvariant());
            if (!ActionVerbs.Contains(next)) continue;
            // "run 9" / "job 12" after "and" is a noun in a list ("runs 3, 5 and run 9"), not a new request; so is a run that did something.
            if (next is "run" or "runs" && RunNounAfter().IsMatch(text.AsSpan(m.Groups["verb"].Index + m.Groups["verb"].Length))) continue;
            var left = text[start..m.Index];
            checks++;
            if (!isAction(left)) continue;
            parts.Add(left.Trim());
            start = m.Groups["verb"].Index;
        }
        parts.Add(text[start..].Trim());
    }

    private static bool IsOnlyFiller(string text)
    {
        foreach (Match w in Word().Matches(text))
            if (!FillerWords.Contains(w.Value.ToLowerInvariant())) return false;
        return true;
    }

    private static readonly HashSet<string> FillerWords = new(StringComparer.Ordinal)
    {
        "and", "so", "ok", "okay", "please", "pls", "then", "now", "also", "too", "thanks", "thank", "you", "great", "cool", "that", "it", "is", "all",
    };

    /// <summary>Cuts the condition out of a piece and returns it normalised.</summary>
    public static (string Remainder, string? Condition) CutCondition(string piece)
    {
        var text = NumberWords.ToDigits(piece);
        var m = ConditionPattern().Match(text);
        if (!m.Success) return (piece, null);
        var metric = NormaliseMetric(m.Groups["metric"].Value);
        var op = Operator(m.Groups["op"].Value, m.Groups["orx"].Value);
        var raw = m.Groups["num"].Value;
        if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) return (piece, null);
        if (m.Groups["pct"].Success) value /= 100;
        var rest = (text[..m.Index] + " " + text[(m.Index + m.Length)..]).Trim().Trim(',', ';').Trim();
        return (rest, $"{metric} {op} {value.ToString("0.###############", CultureInfo.InvariantCulture)}");
    }

    private static string NormaliseMetric(string raw)
    {
        var m = Regex.Replace(raw.ToLowerInvariant(), @"[\s_\-]+", "");
        return m switch
        {
            "macrof1" => "macro_f1",
            "f1" or "f1score" or "fscore" or "f" => "f1",
            "rocauc" or "auroc" or "auc" => "auc",
            "logloss" => "logloss",
            "r^2" or "r2" or "rsquared" => "r2",
            _ => m,
        };
    }

    private static string Operator(string op, string orSuffix)
    {
        var o = Regex.Replace(op.ToLowerInvariant().Trim(), @"\s+", " ");
        var suffix = orSuffix.ToLowerInvariant();
        if (suffix is "more" or "higher" or "better" or "above" or "greater") return ">=";
        if (suffix is "less" or "lower" or "below" or "worse") return "<=";
        return o switch
        {
            ">=" or "=>" or "at least" or "no less than" or "not less than" or "greater than or equal to" or "" => ">=",
            "<=" or "=<" or "at most" or "no more than" or "not more than" => "<=",
            ">" or "more than" or "greater than" or "higher than" or "better than" or "above" or "over" or "exceeds" or "exceed" or "beats" or "beat" => ">",
            "<" or "less than" or "lower than" or "below" or "under" or "worse than" => "<",
            _ => "==",
        };
    }

    [GeneratedRegex(@"\s*;\s*|(?<=[a-z0-9)][.!?])\s+(?=[A-Za-z])|,?\s+and\s+then\s+|,?\s+(?:and\s+)?then\s+|,?\s+after\s+that,?\s+|,?\s+afterwards,?\s+|,?\s+(?:and\s+)?once\s+(?:it'?s|it\s+is|that'?s|that\s+is|it\s+has|training\s+is|the\s+run\s+is|training\s+has)?\s*(?:done|finished|complete|completed|over|trained),?\s+|,?\s+when\s+(?:it'?s|it\s+is|that'?s|that\s+is|training\s+is)\s+(?:done|finished|complete|completed|over),?\s+", RegexOptions.IgnoreCase)]
    private static partial Regex Boundary();

    [GeneratedRegex(@"(?:,\s*(?:and\b|&)?|\band\b|&)\s*(?:(?:also|please|pls|then|now|just|can\s+you|could\s+you)\s+)*(?<verb>[A-Za-z]+)", RegexOptions.IgnoreCase)]
    private static partial Regex Joiner();

    // "... and run 9", and "which dataset and run produced credit-risk v7": a run that did something is the subject, not a command.
    [GeneratedRegex(@"^\s*(?:#|id\b|number\b|\d|(?:produced|created|generated|made|built|trained|was|were|is|are|used|led)\b)", RegexOptions.IgnoreCase)]
    private static partial Regex RunNounAfter();

    [GeneratedRegex(@"[A-Za-z']+")]
    private static partial Regex Word();

    [GeneratedRegex(@"\b(?:if|when|whenever|provided(?:\s+that)?|as\s+long\s+as|only\s+if|assuming|in\s+case)\s+(?:the\s+|its\s+|it'?s\s+|it\s+(?:has|gets|reaches|achieves|scores)\s+(?:an?\s+)?|the\s+model'?s?\s+|the\s+new\s+model'?s?\s+|validation\s+|test\s+)?(?<metric>macro[\s_-]?f1|f1(?:[\s-]?score)?|f[\s-]?score|accuracy|roc[\s-]?auc|auroc|auc|log[\s_-]?loss|rmse|mae|r\^?2|r[\s-]?squared|psi|precision|recall)(?:\s+score)?\s*(?:is|was|gets|goes|comes\s+out|reaches|hits|of|stays)?\s*(?<op>>=|=>|<=|=<|==|>|<|=|at\s+least|at\s+most|no\s+less\s+than|not\s+less\s+than|no\s+more\s+than|not\s+more\s+than|greater\s+than\s+or\s+equal\s+to|more\s+than|greater\s+than|higher\s+than|better\s+than|above|over|exceeds?|beats?|less\s+than|lower\s+than|below|under|worse\s+than|equals?|equal\s+to)?\s*(?<num>\d+(?:\.\d+)?|\.\d+)\s*(?<pct>%|percent)?(?:\s+or\s+(?<orx>more|higher|better|above|greater|less|lower|below|worse))?", RegexOptions.IgnoreCase)]
    private static partial Regex ConditionPattern();
}
