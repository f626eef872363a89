namespace SwarmAgentBot.Ml.Profiling;

/// <summary>Handles one record; return false to stop reading.</summary>
public delegate bool CsvRowHandler(in CsvRow row);

/// <summary>The header and first rows of a CSV, as text.</summary>
/// <param name="Delimiter">The delimiter used.</param>
/// <param name="Columns">Header names.</param>
/// <param name="Rows">The first rows (each padded or cut to the header's width).</param>
public sealed record CsvPreview(char Delimiter, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>A uniform sample of some columns' values, for charts.</summary>
/// <param name="Columns">The sampled columns, in the order asked.</param>
/// <param name="TotalRows">Data rows in the file.</param>
/// <param name="Rows">Sampled rows (every row when the file has at most the sample size), values in <paramref name="Columns"/> order.</param>
public sealed record ColumnSample(IReadOnlyList<string> Columns, long TotalRows, IReadOnlyList<string[]> Rows)
{
    /// <summary>True when every row is in the sample.</summary>
    public bool Complete => Rows.Count == TotalRows;
}

/// <summary>Reads a CSV record by record without profiling it: previews and samples.</summary>
public static class CsvReading
{
    /// <summary>Calls <paramref name="handler"/> for each non-blank record, the header first.</summary>
    public static async Task<byte> ForEachRowAsync(Stream stream, byte delimiter, CsvRowHandler handler, CancellationToken cancellationToken = default)
    {
        var reader = new CsvRowReader(stream, delimiter, bufferSize: 256 << 10);
        await reader.PrepareAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        while (true)
        {
            if (!Drain(reader, handler) || reader.Completed) return reader.Delimiter;
            await reader.FillAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool Drain(CsvRowReader reader, CsvRowHandler handler)
    {
        while (reader.TryReadRow(out var row))
        {
            if (row.Count == 1 && row[0].IsEmpty) continue;
            if (!handler(row)) return false;
        }
        return true;
    }

    /// <summary>The header and the first <paramref name="rows"/> rows.</summary>
    public static async Task<CsvPreview> PreviewAsync(Stream stream, int rows, byte delimiter = 0, CancellationToken cancellationToken = default)
    {
        string[]? header = null;
        var body = new List<IReadOnlyList<string>>();
        var used = await ForEachRowAsync(stream, delimiter, (in CsvRow row) =>
        {
            if (header is null) { header = ReadAll(row); return rows > 0; }
            var cells = new string[header.Length];
            for (var i = 0; i < cells.Length; i++) cells[i] = i < row.Count ? row.GetString(i) : "";
            body.Add(cells);
            return body.Count < rows;
        }, cancellationToken).ConfigureAwait(false);
        if (header is null) throw new CsvFormatException("The file has no header row. " + CsvSniffer.SupportedFormats);
        return new CsvPreview((char)used, header, body);
    }

    /// <summary>
    /// A uniform random sample (reservoir, fixed seed, so the same file gives the same chart) of
    /// up to <paramref name="maxRows"/> rows of the named columns. Strings are built only for sampled rows.
    /// </summary>
    public static async Task<ColumnSample> SampleColumnsAsync(Stream stream, IReadOnlyList<string> columns, int maxRows, byte delimiter = 0, int seed = 17, CancellationToken cancellationToken = default)
    {
        int[]? indexes = null;
        var sample = new List<string[]>();
        var random = new Random(seed);
        long seen = 0;
        string? missing = null;
        await ForEachRowAsync(stream, delimiter, (in CsvRow row) =>
        {
            if (indexes is null)
            {
                var header = ReadAll(row);
                indexes = new int[columns.Count];
                for (var c = 0; c < columns.Count; c++)
                {
                    indexes[c] = Array.FindIndex(header, h => h.Trim() == columns[c]);
                    if (indexes[c] < 0) indexes[c] = Array.FindIndex(header, h => h.Trim().Equals(columns[c], StringComparison.OrdinalIgnoreCase));
                    if (indexes[c] < 0) { missing = columns[c]; return false; }
                }
                return true;
            }
            seen++;
            int slot;
            if (sample.Count < maxRows) { slot = sample.Count; sample.Add(null!); }
            else
            {
                var r = random.NextInt64(seen);
                if (r >= maxRows) return true;
                slot = (int)r;
            }
            var values = new string[indexes.Length];
            for (var c = 0; c < indexes.Length; c++) values[c] = indexes[c] < row.Count ? row.GetString(indexes[c]) : "";
            sample[slot] = values;
            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (missing is not null) throw new ArgumentException($"The file has no column '{missing}'.", nameof(columns));
        return new ColumnSample(columns, seen, sample);
    }

    private static string[] ReadAll(in CsvRow row)
    {
        var values = new string[row.Count];
        for (var i = 0; i < values.Length; i++) values[i] = row.GetString(i).Trim();
        return values;
    }
}
