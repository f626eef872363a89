using System.Globalization;
using System.Text.Json.Serialization;

namespace SwarmAgentBot.Ml.Profiling;

/// <summary>The type a column's values fit, checked over every non-missing value.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ColumnType>))]
public enum ColumnType
{
    /// <summary>Every value is missing.</summary>
    Empty,

    /// <summary>true/false or yes/no (any case).</summary>
    Boolean,

    /// <summary>Whole numbers.</summary>
    Integer,

    /// <summary>Numbers with a fraction or exponent.</summary>
    Float,

    /// <summary>ISO dates or date-times (yyyy-mm-dd[Thh:mm[:ss]]).</summary>
    DateTime,

    /// <summary>Text with few distinct values.</summary>
    Categorical,

    /// <summary>Text with many distinct values (free text, identifiers).</summary>
    Text,
}

/// <summary>What one streaming pass learned about one column.</summary>
/// <param name="Name">Header name.</param>
/// <param name="Type">Inferred type.</param>
/// <param name="Count">Non-missing values.</param>
/// <param name="Missing">Missing values (empty, NA, N/A, NaN, null, None).</param>
/// <param name="MissingPercent">Missing values as a percentage of rows.</param>
/// <param name="Distinct">Distinct non-missing values.</param>
/// <param name="DistinctIsEstimate">True when <paramref name="Distinct"/> is a HyperLogLog estimate (past the exact cap).</param>
/// <param name="Min">Smallest value (numeric columns).</param>
/// <param name="Max">Largest value (numeric columns).</param>
/// <param name="Mean">Mean (numeric columns).</param>
/// <param name="Std">Sample standard deviation (numeric columns).</param>
/// <param name="MinText">Earliest value (date columns).</param>
/// <param name="MaxText">Latest value (date columns).</param>
/// <param name="TopValues">Most frequent values, most frequent first (empty for high-cardinality columns).</param>
/// <param name="TopValuesExact">True when the counts are exact (few distinct values); otherwise lower bounds.</param>
public sealed record ColumnProfile(
    string Name,
    ColumnType Type,
    long Count,
    long Missing,
    double MissingPercent,
    long Distinct,
    bool DistinctIsEstimate,
    double? Min,
    double? Max,
    double? Mean,
    double? Std,
    string? MinText,
    string? MaxText,
    IReadOnlyList<ValueCount> TopValues,
    bool TopValuesExact)
{
    /// <summary>True for Integer and Float columns.</summary>
    [JsonIgnore] public bool IsNumeric => Type is ColumnType.Integer or ColumnType.Float;

    /// <summary>Distinct count for people: "12", "≈ 1.2M".</summary>
    [JsonIgnore] public string DistinctText => DistinctIsEstimate ? "≈ " + Distinct.ToString("N0", CultureInfo.InvariantCulture) : Distinct.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>A record whose field count differs from the header's.</summary>
/// <param name="Line">1-based line number in the file.</param>
/// <param name="Fields">How many fields it has.</param>
public sealed record RaggedRow(long Line, int Fields);

/// <summary>One class of a label column.</summary>
/// <param name="Value">The label.</param>
/// <param name="Count">Rows with it.</param>
/// <param name="Share">Fraction of labelled rows (0..1).</param>
public sealed record LabelShare(string Value, long Count, double Share);

/// <summary>How the classes of a target column are balanced.</summary>
/// <param name="Column">The target column.</param>
/// <param name="Classes">Each class, most frequent first.</param>
/// <param name="MajorityShare">Share of the largest class.</param>
/// <param name="ImbalanceRatio">Largest class count over smallest class count.</param>
public sealed record LabelBalance(string Column, IReadOnlyList<LabelShare> Classes, double MajorityShare, double ImbalanceRatio)
{
    /// <summary>Most classes a column may have to count as a classification label.</summary>
    public const int MaxClasses = 50;

    /// <summary>The balance of <paramref name="column"/>, or null with the reason it is not a class label.</summary>
    public static LabelBalance? From(ColumnProfile column, out string? reason)
    {
        reason = null;
        if (column.Count == 0)
        {
            reason = $"'{column.Name}' has no values, so there is no label balance.";
            return null;
        }
        if (!column.TopValuesExact || column.Distinct > MaxClasses || column.TopValues.Count < column.Distinct)
        {
            reason = column.IsNumeric
                ? $"'{column.Name}' has {column.DistinctText} distinct numeric values: it looks like a regression target (mean {column.Mean:G4}, std {column.Std:G4}), not class labels."
                : $"'{column.Name}' has {column.DistinctText} distinct values, more than the {MaxClasses} a class label may have.";
            return null;
        }
        var total = (double)column.Count;
        var classes = column.TopValues.Select(v => new LabelShare(v.Value, v.Count, v.Count / total)).ToList();
        return new LabelBalance(column.Name, classes, classes[0].Share, (double)classes[0].Count / classes[^1].Count);
    }
}

/// <summary>The result of profiling a CSV in one streaming pass.</summary>
/// <param name="Delimiter">The delimiter used (inferred unless given).</param>
/// <param name="Rows">Data rows (blank lines are skipped).</param>
/// <param name="Bytes">Bytes read.</param>
/// <param name="Columns">One profile per header column, in order.</param>
/// <param name="RaggedRowCount">Rows whose field count differs from the header's.</param>
/// <param name="RaggedRows">The first of those, with line numbers.</param>
/// <param name="HeaderProblems">Empty or repeated column names (empty names were renamed column_N).</param>
/// <param name="UnterminatedQuoteLine">The line of a quote that is never closed, if any.</param>
public sealed record CsvProfile(
    char Delimiter,
    long Rows,
    long Bytes,
    IReadOnlyList<ColumnProfile> Columns,
    long RaggedRowCount,
    IReadOnlyList<RaggedRow> RaggedRows,
    IReadOnlyList<string> HeaderProblems,
    long? UnterminatedQuoteLine)
{
    /// <summary>A column by name (exact, then case-insensitive), or null.</summary>
    public ColumnProfile? Find(string name) =>
        Columns.FirstOrDefault(c => c.Name == name) ?? Columns.FirstOrDefault(c => c.Name.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Why this file cannot be stored as a dataset (ragged rows with their lines, header problems,
    /// an unclosed quote, no data rows), or null when it is fine.
    /// </summary>
    public string? Problem()
    {
        if (UnterminatedQuoteLine is { } q)
            return $"A quoted field that starts on line {q} is never closed, so the rest of the file is one value. Close the quote (\") and upload again.";
        if (HeaderProblems.Count > 0)
            return "The header row has problems: " + string.Join("; ", HeaderProblems) + ". Give every column a unique name and upload again.";
        if (RaggedRowCount > 0)
        {
            var lines = string.Join(", ", RaggedRows.Select(r => $"line {r.Line} has {r.Fields}"));
            var more = RaggedRowCount > RaggedRows.Count ? $" and {RaggedRowCount - RaggedRows.Count:N0} more" : "";
            return $"{RaggedRowCount:N0} row(s) do not have the header's {Columns.Count} fields ({CsvSniffer.Describe((byte)Delimiter)}-separated): {lines}{more}. Fix those rows (a missing or extra delimiter, or an unquoted {CsvSniffer.Describe((byte)Delimiter)} inside a value) and upload again.";
        }
        if (Rows == 0) return "The file has a header row but no data rows.";
        return null;
    }
}

/// <summary>Settings of one profiling pass.</summary>
public sealed record CsvProfileOptions
{
    /// <summary>Delimiter byte, or 0 to infer it.</summary>
    public byte Delimiter { get; init; }

    /// <summary>Distinct values counted exactly per column; past it the count is a HyperLogLog estimate.</summary>
    public int DistinctCap { get; init; } = 65_536;

    /// <summary>Values the frequent-value summary tracks per column (exact counts up to this many distinct values).</summary>
    public int FrequentCap { get; init; } = 1024;

    /// <summary>Top values kept per column in the profile (enough for a label with <see cref="LabelBalance.MaxClasses"/> classes).</summary>
    public int TopValues { get; init; } = LabelBalance.MaxClasses;

    /// <summary>Ragged rows listed by line number (all are counted).</summary>
    public int MaxRaggedListed { get; init; } = 10;
}
