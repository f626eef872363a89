namespace SwarmAgentBot.Ml.Profiling;

/// <summary>
/// Profiles a CSV in one streaming pass over its bytes: per column type, missing values, distinct
/// values, numeric summary and frequent values, plus ragged rows with their line numbers. Memory is
/// bounded by the per-column sketches and the longest record, whatever the file size.
/// </summary>
public static class CsvProfiler
{
    /// <summary>Profiles <paramref name="stream"/>. Throws <see cref="CsvFormatException"/> when it is not a CSV at all (empty, binary).</summary>
    public static async Task<CsvProfile> ProfileAsync(Stream stream, CsvProfileOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new CsvProfileOptions();
        var reader = new CsvRowReader(stream, options.Delimiter);
        await reader.PrepareAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var pass = new Pass(options);
        while (true)
        {
            pass.Drain(reader);
            if (reader.Completed) break;
            // At the end of input every remaining byte forms a record, so this loop always ends.
            await reader.FillAsync(cancellationToken).ConfigureAwait(false);
        }
        if (pass.Columns is null)
            throw new CsvFormatException("The file has no header row. " + CsvSniffer.SupportedFormats);
        return pass.Finish(reader);
    }

    /// <summary>Profiles a file on disk.</summary>
    public static async Task<CsvProfile> ProfileFileAsync(string path, CsvProfileOptions? options = null, CancellationToken cancellationToken = default)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return await ProfileAsync(file, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The state of one pass; rows are handled synchronously between buffer fills.</summary>
    private sealed class Pass(CsvProfileOptions options)
    {
        private readonly List<RaggedRow> _ragged = [];
        private readonly List<string> _headerProblems = [];
        private long _raggedCount;
        private long _rows;
        private byte[] _scratch = new byte[256];

        public ColumnAccumulator[]? Columns { get; private set; }

        public void Drain(CsvRowReader reader)
        {
            while (reader.TryReadRow(out var row))
            {
                // Blank lines are skipped, as spreadsheet tools and pandas do.
                if (row.Count == 1 && row[0].IsEmpty) continue;
                if (Columns is null) { ReadHeader(row); continue; }
                _rows++;
                var columns = Columns;
                var n = Math.Min(row.Count, columns.Length);
                if (row.Count != columns.Length)
                {
                    _raggedCount++;
                    if (_ragged.Count < options.MaxRaggedListed) _ragged.Add(new RaggedRow(row.LineNumber, row.Count));
                    for (var i = n; i < columns.Length; i++) columns[i].AddMissing();
                }
                for (var i = 0; i < n; i++)
                {
                    if (!row.NeedsUnescape(i)) { columns[i].Add(row[i]); continue; }
                    if (_scratch.Length < row[i].Length) _scratch = new byte[row[i].Length * 2];
                    columns[i].Add(row.Unescape(i, _scratch));
                }
            }
        }

        private void ReadHeader(CsvRow row)
        {
            var names = new string[row.Count];
            var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < row.Count; i++)
            {
                var name = row.GetString(i).Trim();
                if (name.Length == 0)
                {
                    name = $"column_{i + 1}";
                    _headerProblems.Add($"column {i + 1} has no name");
                }
                if (seen.TryGetValue(name, out var first)) _headerProblems.Add($"'{name}' is the name of columns {first + 1} and {i + 1}");
                else seen[name] = i;
                names[i] = name;
            }
            Columns = names.Select(n => new ColumnAccumulator(n, options.DistinctCap, options.FrequentCap)).ToArray();
        }

        public CsvProfile Finish(CsvRowReader reader) => new(
            (char)reader.Delimiter,
            _rows,
            reader.BytesConsumed,
            Columns!.Select(c => c.ToProfile(_rows, options.TopValues)).ToList(),
            _raggedCount,
            _ragged,
            _headerProblems,
            reader.UnterminatedQuoteLine);
    }
}
