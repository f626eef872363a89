using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace SwarmAgentBot.Ml.Drift;

/// <summary>Whether a column holds numbers or labels.</summary>
public enum DriftColumnKind
{
    /// <summary>Numbers; NaN marks a missing value.</summary>
    Numeric,

    /// <summary>Labels; null marks a missing value.</summary>
    Categorical,
}

/// <summary>One column of a data window: numbers (NaN = missing) or labels (null = missing).</summary>
public sealed class DriftColumn
{
    private DriftColumn(string name, double[]? numbers, string?[]? labels)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A column needs a name.", nameof(name));
        Name = name;
        Numbers = numbers;
        Labels = labels;
    }

    /// <summary>Column name.</summary>
    public string Name { get; }

    /// <summary>Numbers of a numeric column (NaN = missing), else null.</summary>
    public double[]? Numbers { get; }

    /// <summary>Labels of a categorical column (null = missing), else null.</summary>
    public string?[]? Labels { get; }

    /// <summary>Numeric or categorical.</summary>
    public DriftColumnKind Kind => Numbers is null ? DriftColumnKind.Categorical : DriftColumnKind.Numeric;

    /// <summary>Number of rows.</summary>
    public int Length => Numbers?.Length ?? Labels!.Length;

    /// <summary>A numeric column.</summary>
    public static DriftColumn Numeric(string name, double[] values) => new(name, values ?? throw new ArgumentNullException(nameof(values)), null);

    /// <summary>A categorical column.</summary>
    public static DriftColumn Categorical(string name, string?[] values) => new(name, null, values ?? throw new ArgumentNullException(nameof(values)));

    /// <summary>The same values as labels (numbers in invariant round-trip form), for comparing with a text column.</summary>
    public string?[] AsLabels() => Labels ?? Array.ConvertAll(Numbers!, x => double.IsNaN(x) ? null : x.ToString("R", CultureInfo.InvariantCulture));

    /// <summary>The rows <paramref name="rows"/> of this column, in that order.</summary>
    public DriftColumn Select(IReadOnlyList<int> rows)
    {
        if (Numbers is not null)
        {
            var numbers = new double[rows.Count];
            for (var i = 0; i < numbers.Length; i++) numbers[i] = Numbers[rows[i]];
            return Numeric(Name, numbers);
        }
        var labels = new string?[rows.Count];
        for (var i = 0; i < labels.Length; i++) labels[i] = Labels![rows[i]];
        return Categorical(Name, labels);
    }
}

/// <summary>
/// A window of data for drift checks, stored by column. Columns must have the same length and distinct names.
/// </summary>
public sealed class DriftTable
{
    private static readonly HashSet<string> MissingTokens = new(StringComparer.OrdinalIgnoreCase) { "", "NA", "N/A", "NaN", "null", "None", "?" };
    private readonly Dictionary<string, DriftColumn> _byName;

    /// <summary>Creates a table.</summary>
    /// <exception cref="ArgumentException">Columns differ in length or repeat a name.</exception>
    public DriftTable(IEnumerable<DriftColumn> columns)
    {
        Columns = columns.ToList();
        _byName = new Dictionary<string, DriftColumn>(StringComparer.Ordinal);
        foreach (var column in Columns)
            if (!_byName.TryAdd(column.Name, column)) throw new ArgumentException($"Column '{column.Name}' appears twice.");
        RowCount = Columns.Count == 0 ? 0 : Columns[0].Length;
        var uneven = Columns.FirstOrDefault(c => c.Length != RowCount);
        if (uneven is not null)
            throw new ArgumentException($"Column '{uneven.Name}' has {uneven.Length} rows but '{Columns[0].Name}' has {RowCount}.");
    }

    /// <summary>The columns in their original order.</summary>
    public IReadOnlyList<DriftColumn> Columns { get; }

    /// <summary>Number of rows.</summary>
    public int RowCount { get; }

    /// <summary>The column with this name, or null.</summary>
    public DriftColumn? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The given rows of every column.</summary>
    public DriftTable Select(IReadOnlyList<int> rows) => new(Columns.Select(c => c.Select(rows)));

    /// <summary>Rows [start, start + count).</summary>
    public DriftTable Slice(int start, int count) => Select(Enumerable.Range(start, count).ToArray());

    /// <summary>
    /// Reads a comma-separated file with a header row. A column is numeric when every non-missing cell parses
    /// as a number (invariant culture), else categorical; <paramref name="categorical"/> forces columns to
    /// categorical (codes such as season = 1..4). Empty cells and NA, N/A, NaN, null, None, ? are missing.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">No header, a repeated column name, or a row with the wrong number of fields.</exception>
    public static DriftTable ReadCsv(string path, IReadOnlySet<string>? categorical = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No such file: {path}", path);
        using var reader = new StreamReader(path);
        return ReadCsv(reader, path, categorical);
    }

    /// <summary>Reads CSV text (see <see cref="ReadCsv(string, IReadOnlySet{string})"/>); <paramref name="source"/> names it in errors.</summary>
    public static DriftTable ReadCsv(TextReader reader, string source, IReadOnlySet<string>? categorical = null)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { HasHeaderRecord = true, DetectDelimiter = false };
        using var parser = new CsvParser(reader, config);
        if (!parser.Read()) throw new InvalidDataException($"{source} is empty: a header row is needed.");
        var header = parser.Record!.Select(h => h.Trim()).ToArray();
        var duplicate = header.GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidDataException($"{source}: column '{duplicate.Key}' appears twice in the header.");
        if (header.Any(string.IsNullOrWhiteSpace)) throw new InvalidDataException($"{source}: the header has an empty column name.");

        var cells = header.Select(_ => new List<string?>()).ToArray();
        while (parser.Read())
        {
            var record = parser.Record!;
            if (record.Length == 1 && string.IsNullOrWhiteSpace(record[0]) && header.Length > 1) continue;
            if (record.Length != header.Length)
                throw new InvalidDataException($"{source} line {parser.RawRow}: {record.Length} fields, but the header has {header.Length}.");
            for (var i = 0; i < record.Length; i++)
            {
                var cell = record[i].Trim();
                cells[i].Add(MissingTokens.Contains(cell) ? null : cell);
            }
        }

        var columns = new List<DriftColumn>(header.Length);
        for (var i = 0; i < header.Length; i++)
        {
            var values = cells[i];
            if (categorical?.Contains(header[i]) != true && TryParseNumbers(values, out var numbers))
                columns.Add(DriftColumn.Numeric(header[i], numbers));
            else
                columns.Add(DriftColumn.Categorical(header[i], values.ToArray()));
        }
        return new DriftTable(columns);
    }

    private static bool TryParseNumbers(List<string?> values, out double[] numbers)
    {
        numbers = new double[values.Count];
        var any = false;
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is not { } text)
            {
                numbers[i] = double.NaN;
                continue;
            }
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out numbers[i])) return false;
            any = true;
        }
        // A column with no value at all stays numeric (all missing) rather than becoming an empty category.
        return any || values.Count == 0 || values.All(v => v is null);
    }
}
