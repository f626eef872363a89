using System.Security.Cryptography;
using System.Text;

namespace SwarmAgentBot.Ml.Tabular;

/// <summary>
/// An in-memory table of raw text cells, column by column (null = empty cell). Values stay as read, so
/// type inference and preparation decide how to interpret them; <see cref="MissingValues"/> says which
/// tokens count as missing. Immutable: the row/column selections return new tables sharing the cells.
/// </summary>
public sealed class TabularData
{
    private readonly string?[][] _columns;
    private readonly Dictionary<string, int> _index;
    private string? _sha256;

    private TabularData(IReadOnlyList<string> names, string?[][] columns, int rowCount, string? sha256, string? sourceName, int[]? lineNumbers)
    {
        ColumnNames = names;
        _columns = columns;
        RowCount = rowCount;
        _sha256 = sha256;
        SourceName = sourceName;
        LineNumbers = lineNumbers;
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++) _index.TryAdd(names[i], i);
    }

    /// <summary>Column names in file order (unique).</summary>
    public IReadOnlyList<string> ColumnNames { get; }

    /// <summary>Number of data rows (the header is not a row).</summary>
    public int RowCount { get; }

    /// <summary>Where the table came from (file name), for messages; null when built in memory.</summary>
    public string? SourceName { get; }

    /// <summary>1-based line in the source file where each row starts (null when built in memory); used in error messages.</summary>
    public IReadOnlyList<int>? LineNumbers { get; }

    /// <summary>Number of columns.</summary>
    public int ColumnCount => ColumnNames.Count;

    /// <summary>
    /// SHA-256 (lower-case hex) of the source bytes when loaded from a file or stream; for a table built in
    /// memory, of a canonical text form (header and rows, tab- and newline-separated).
    /// </summary>
    public string ContentSha256 => _sha256 ??= ComputeCanonicalSha256();

    /// <summary>The cell at a row and column (null = empty).</summary>
    public string? this[int row, int column] => _columns[column][row];

    /// <summary>All cells of one column.</summary>
    public IReadOnlyList<string?> Column(int index) => _columns[index];

    /// <summary>All cells of the named column; throws <see cref="KeyNotFoundException"/> naming it when absent.</summary>
    public IReadOnlyList<string?> Column(string name) =>
        _index.TryGetValue(name, out var i) ? _columns[i] : throw new KeyNotFoundException($"The table has no column named '{name}'.");

    /// <summary>Index of the named column (ordinal match), or -1.</summary>
    public int IndexOf(string name) => _index.TryGetValue(name, out var i) ? i : -1;

    /// <summary>True when the column exists.</summary>
    public bool HasColumn(string name) => _index.ContainsKey(name);

    /// <summary>A table with the given rows, in the given order.</summary>
    public TabularData SelectRows(IReadOnlyList<int> rows)
    {
        var columns = new string?[_columns.Length][];
        for (var c = 0; c < columns.Length; c++)
        {
            var source = _columns[c];
            var target = new string?[rows.Count];
            for (var r = 0; r < rows.Count; r++) target[r] = source[rows[r]];
            columns[c] = target;
        }
        int[]? lines = null;
        if (LineNumbers is not null)
        {
            lines = new int[rows.Count];
            for (var r = 0; r < rows.Count; r++) lines[r] = LineNumbers[rows[r]];
        }
        return new TabularData(ColumnNames, columns, rows.Count, null, SourceName, lines);
    }

    /// <summary>A table without the named columns (names that do not exist are ignored).</summary>
    public TabularData WithoutColumns(params IEnumerable<string> names)
    {
        var drop = new HashSet<string>(names, StringComparer.Ordinal);
        var keep = Enumerable.Range(0, ColumnCount).Where(i => !drop.Contains(ColumnNames[i])).ToArray();
        return new TabularData(keep.Select(i => ColumnNames[i]).ToArray(), keep.Select(i => _columns[i]).ToArray(), RowCount, null, SourceName, LineNumbers as int[]);
    }

    /// <summary>Builds a table from named columns of equal length.</summary>
    public static TabularData FromColumns(IReadOnlyList<string> names, IReadOnlyList<IReadOnlyList<string?>> columns, string? sourceName = null)
    {
        if (names.Count != columns.Count) throw new ArgumentException($"{names.Count} names but {columns.Count} columns.");
        if (names.Count == 0) throw new ArgumentException("A table needs at least one column.");
        var rows = columns[0].Count;
        for (var i = 0; i < columns.Count; i++)
            if (columns[i].Count != rows) throw new ArgumentException($"Column '{names[i]}' has {columns[i].Count} values, expected {rows}.");
        EnsureUnique(names);
        return new TabularData(names.ToArray(), columns.Select(c => c.Select(Normalize).ToArray()).ToArray(), rows, null, sourceName, null);
    }

    /// <summary>Builds a table from a header and rows; every row must have one cell per column.</summary>
    public static TabularData FromRows(IReadOnlyList<string> names, IEnumerable<IReadOnlyList<string?>> rows, string? sourceName = null)
    {
        var list = rows.ToList();
        var columns = new string?[names.Count][];
        for (var c = 0; c < names.Count; c++) columns[c] = new string?[list.Count];
        for (var r = 0; r < list.Count; r++)
        {
            if (list[r].Count != names.Count) throw new ArgumentException($"Row {r + 1} has {list[r].Count} cells, expected {names.Count}.");
            for (var c = 0; c < names.Count; c++) columns[c][r] = Normalize(list[r][c]);
        }
        EnsureUnique(names);
        return new TabularData(names.ToArray(), columns, list.Count, null, sourceName, null);
    }

    /// <summary>Used by the CSV reader, which already owns normalised column arrays and the file hash.</summary>
    internal static TabularData FromParsed(IReadOnlyList<string> names, string?[][] columns, int rows, string sha256, string? sourceName, int[] lineNumbers) =>
        new(names, columns, rows, sha256, sourceName, lineNumbers);

    private static string? Normalize(string? cell) => string.IsNullOrEmpty(cell) ? null : cell;

    private static void EnsureUnique(IReadOnlyList<string> names)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in names)
            if (!seen.Add(n)) throw new ArgumentException($"Column name '{n}' appears twice.");
    }

    private string ComputeCanonicalSha256()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var sb = new StringBuilder();
        sb.AppendJoin('\t', ColumnNames).Append('\n');
        hash.AppendData(Encoding.UTF8.GetBytes(sb.ToString()));
        for (var r = 0; r < RowCount; r++)
        {
            sb.Clear();
            for (var c = 0; c < ColumnCount; c++)
            {
                if (c > 0) sb.Append('\t');
                sb.Append(_columns[c][r]);
            }
            sb.Append('\n');
            hash.AppendData(Encoding.UTF8.GetBytes(sb.ToString()));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
