using System.Globalization;
using System.Text.RegularExpressions;

namespace SwarmAgentBot.Ml.Tabular;

/// <summary>What a column holds, as inferred from its values (and, for identifiers, its name).</summary>
public enum ColumnKind
{
    /// <summary>Numbers (integers or decimals, invariant culture).</summary>
    Numeric,
    /// <summary>A small or moderate set of repeated labels.</summary>
    Categorical,
    /// <summary>Two values such as true/false, yes/no, y/n, t/f, 0/1.</summary>
    Boolean,
    /// <summary>Dates or date-times in a common format (ISO 8601, yyyy/MM/dd, dd.MM.yyyy, MM/dd/yyyy, dd/MM/yyyy).</summary>
    DateTime,
    /// <summary>Free text: mostly unique values of several words.</summary>
    Text,
    /// <summary>A row identifier (unique codes or a 1..n counter, or an id-like name with unique values): never a feature.</summary>
    Identifier,
    /// <summary>Every value is missing.</summary>
    Empty,
}

/// <summary>The inferred type and basic counts of one column.</summary>
/// <param name="Name">Column name.</param>
/// <param name="Kind">Inferred kind.</param>
/// <param name="NonMissing">Cells with a value.</param>
/// <param name="Missing">Missing cells (see <see cref="MissingValues"/>).</param>
/// <param name="Distinct">Distinct non-missing values.</param>
/// <param name="DateFormat">For <see cref="ColumnKind.DateTime"/>, the format that parsed every value.</param>
public sealed record ColumnProfile(string Name, ColumnKind Kind, int NonMissing, int Missing, int Distinct, string? DateFormat = null)
{
    /// <summary>Fraction of cells that are missing (0..1).</summary>
    public double MissingFraction => NonMissing + Missing == 0 ? 0 : Missing / (double)(NonMissing + Missing);
}

/// <summary>
/// Infers column kinds from raw cells. Rules, in order: all missing → Empty; two boolean-like tokens → Boolean;
/// all numbers → Numeric (or Identifier for a strictly increasing 1-step integer counter, or an id-named column of unique integers);
/// all dates in one format → DateTime; otherwise text values: mostly unique with several words → Text, mostly unique
/// short codes (or an id-like name) → Identifier, else Categorical.
/// </summary>
public static partial class ColumnTypeInference
{
    /// <summary>Date formats recognised, tried in order (day-first after month-first when both parse).</summary>
    public static readonly IReadOnlyList<string> DateFormats =
    [
        "yyyy-MM-dd", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-ddTHH:mm:ssZ", "yyyy-MM-ddTHH:mm:ss.fffZ",
        "yyyy-MM-ddTHH:mm:ss.fff", "yyyy-MM-dd HH:mm", "yyyy-MM-ddTHH:mm:sszzz", "yyyy/MM/dd", "yyyy/MM/dd HH:mm:ss",
        "dd.MM.yyyy", "MM/dd/yyyy", "dd/MM/yyyy", "MM/dd/yyyy HH:mm", "dd/MM/yyyy HH:mm", "yyyyMMdd'T'HHmmss",
    ];

    private static readonly HashSet<string>[] BooleanPairs =
    [
        new(StringComparer.OrdinalIgnoreCase) { "true", "false" },
        new(StringComparer.OrdinalIgnoreCase) { "yes", "no" },
        new(StringComparer.OrdinalIgnoreCase) { "y", "n" },
        new(StringComparer.OrdinalIgnoreCase) { "t", "f" },
        new(StringComparer.OrdinalIgnoreCase) { "0", "1" },
    ];

    /// <summary>Profiles every column of a table.</summary>
    public static IReadOnlyList<ColumnProfile> Infer(TabularData data) =>
        Enumerable.Range(0, data.ColumnCount).Select(i => InferColumn(data.ColumnNames[i], data.Column(i))).ToList();

    /// <summary>Profiles one column from its name and raw cells.</summary>
    public static ColumnProfile InferColumn(string name, IReadOnlyList<string?> cells)
    {
        var values = new List<string>(cells.Count);
        foreach (var c in cells)
            if (!MissingValues.IsMissing(c)) values.Add(c!.Trim());
        var missing = cells.Count - values.Count;
        var distinctSet = new HashSet<string>(values, StringComparer.Ordinal);
        var distinct = distinctSet.Count;
        ColumnProfile Make(ColumnKind kind, string? format = null) => new(name, kind, values.Count, missing, distinct, format);

        if (values.Count == 0) return Make(ColumnKind.Empty);
        if (distinct <= 2 && IsBooleanSet(distinctSet)) return Make(ColumnKind.Boolean);

        if (values.All(v => TryParseNumber(v, out _)))
        {
            if (distinct == values.Count && values.Count >= 20 && missing == 0 && IsIntegerCounter(values)) return Make(ColumnKind.Identifier);
            if (distinct == values.Count && values.Count >= 20 && IdLikeName(name) && values.All(v => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)))
                return Make(ColumnKind.Identifier);
            return Make(ColumnKind.Numeric);
        }

        var format = DetectDateFormat(values);
        if (format is not null) return Make(ColumnKind.DateTime, format);

        var uniqueness = distinct / (double)values.Count;
        var averageWords = values.Take(1000).Average(v => (double)CountWords(v));
        if (values.Count >= 20)
        {
            if (uniqueness > 0.5 && averageWords >= 3) return Make(ColumnKind.Text);
            if (uniqueness > 0.95 && averageWords < 3) return Make(ColumnKind.Identifier);
            if (uniqueness > 0.9 && IdLikeName(name)) return Make(ColumnKind.Identifier);
        }
        return Make(ColumnKind.Categorical);
    }

    /// <summary>Parses a number the way inference and preparation do (invariant culture; leading/trailing spaces allowed).</summary>
    public static bool TryParseNumber(string? text, out double value)
    {
        if (text is null) { value = double.NaN; return false; }
        return double.TryParse(text.AsSpan().Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    /// <summary>Parses a boolean token (true/false, yes/no, y/n, t/f, 1/0), case-insensitive.</summary>
    public static bool TryParseBoolean(string? text, out bool value)
    {
        value = false;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "true" or "yes" or "y" or "t" or "1": value = true; return true;
            case "false" or "no" or "n" or "f" or "0": return true;
            default: return false;
        }
    }

    /// <summary>Parses a date with the given format (or any known format when null).</summary>
    public static bool TryParseDate(string? text, string? format, out DateTime value)
    {
        value = default;
        if (text is null) return false;
        var styles = DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal;
        return format is null
            ? DateTime.TryParseExact(text.Trim(), DateFormats.ToArray(), CultureInfo.InvariantCulture, styles, out value)
            : DateTime.TryParseExact(text.Trim(), format, CultureInfo.InvariantCulture, styles, out value);
    }

    private static string? DetectDateFormat(List<string> values)
    {
        var sample = values.Take(2000).ToList();
        if (!sample.Any(v => v.Length >= 6 && char.IsDigit(v[0]))) return null;
        foreach (var format in DateFormats)
            if (sample.All(v => TryParseDate(v, format, out _)) && values.Skip(2000).All(v => TryParseDate(v, format, out _)))
                return format;
        return null;
    }

    private static bool IsBooleanSet(HashSet<string> distinct) => BooleanPairs.Any(pair => distinct.All(pair.Contains));

    private static bool IsIntegerCounter(List<string> values)
    {
        long previous = 0;
        for (var i = 0; i < values.Count; i++)
        {
            if (!long.TryParse(values[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)) return false;
            if (i > 0 && v != previous + 1) return false;
            previous = v;
        }
        return true;
    }

    private static int CountWords(string value)
    {
        var words = 0;
        var inWord = false;
        foreach (var ch in value)
        {
            var letter = !char.IsWhiteSpace(ch);
            if (letter && !inWord) words++;
            inWord = letter;
        }
        return words;
    }

    /// <summary>True for names such as id, ID, customerID, PassengerId, user_id, uuid, guid, row_key.</summary>
    public static bool IdLikeName(string name) => IdName().IsMatch(name);

    [GeneratedRegex(@"(^|[_\-\s\.])(id|uuid|guid|key)$|^id([_\-\s\.]|$)|[a-z](Id|ID)$|^(uuid|guid)", RegexOptions.CultureInvariant)]
    private static partial Regex IdName();
}
