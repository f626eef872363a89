namespace SwarmAgentBot.Ml.Tabular;

/// <summary>Which raw cells count as missing: empty or whitespace, and the usual placeholders (NA, N/A, null, NaN, None, ?).</summary>
public static class MissingValues
{
    private static readonly HashSet<string> Tokens = new(StringComparer.OrdinalIgnoreCase) { "na", "n/a", "null", "nan", "none", "?", "#n/a", "nil" };

    /// <summary>True when the cell is missing.</summary>
    public static bool IsMissing(string? cell) =>
        cell is null || string.IsNullOrWhiteSpace(cell) || (cell.Length <= 4 && Tokens.Contains(cell.Trim()));
}
