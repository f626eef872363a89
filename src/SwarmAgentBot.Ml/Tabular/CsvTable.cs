using System.Security.Cryptography;
using System.Text;

namespace SwarmAgentBot.Ml.Tabular;

/// <summary>How to read a CSV file.</summary>
/// <param name="Delimiter">Field separator; null infers one of , ; tab | from the first lines.</param>
/// <param name="MaxRows">Stop after this many data rows (null = all).</param>
public sealed record CsvLoadOptions(char? Delimiter = null, int? MaxRows = null);

/// <summary>
/// Reads and writes CSV files as <see cref="TabularData"/>: a header row, a delimiter inferred among
/// <c>, ; \t |</c>, RFC 4180 quoting (doubled quotes, delimiters and line breaks inside quotes), UTF-8 with or
/// without BOM. Problems become a <see cref="CsvFormatException"/> that names the lines.
/// </summary>
public static class CsvTable
{
    /// <summary>Delimiters tried, in order of preference on a tie.</summary>
    public static readonly IReadOnlyList<char> CandidateDelimiters = [',', ';', '\t', '|'];

    private const int MaxReportedLines = 10;

    /// <summary>Loads a CSV file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CsvFormatException">The file is not a well-formed CSV table.</exception>
    public static async Task<TabularData> LoadAsync(string path, CsvLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No file at {path}.", path);
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        return Parse(bytes, Path.GetFileName(path), options);
    }

    /// <summary>Loads a CSV file synchronously (see <see cref="LoadAsync(string, CsvLoadOptions?, CancellationToken)"/>).</summary>
    public static TabularData Load(string path, CsvLoadOptions? options = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No file at {path}.", path);
        return Parse(File.ReadAllBytes(path), Path.GetFileName(path), options);
    }

    /// <summary>Reads a CSV table from a stream (read to the end; not closed).</summary>
    public static async Task<TabularData> LoadAsync(Stream stream, string sourceName, CsvLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken);
        return Parse(buffer.ToArray(), sourceName, options);
    }

    /// <summary>Parses CSV text (e.g. in tests or from a chat attachment).</summary>
    public static TabularData ParseText(string text, string sourceName = "text", CsvLoadOptions? options = null) =>
        Parse(Encoding.UTF8.GetBytes(text), sourceName, options);

    /// <summary>Parses CSV bytes (UTF-8). The table's <see cref="TabularData.ContentSha256"/> is the SHA-256 of these bytes.</summary>
    public static TabularData Parse(ReadOnlySpan<byte> bytes, string sourceName, CsvLoadOptions? options = null)
    {
        options ??= new CsvLoadOptions();
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (bytes.Length == 0 || bytes.Trim((byte)' ').Trim("\r\n\t"u8).Length == 0)
            throw new CsvFormatException($"{sourceName} is empty: a CSV needs a header row and at least one data row.");
        var probe = bytes[..Math.Min(bytes.Length, 64 * 1024)];
        if (probe.IndexOf((byte)0) >= 0)
            throw new CsvFormatException($"{sourceName} is not a CSV file: it contains binary data (NUL bytes).");
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new CsvFormatException($"{sourceName} is not a CSV file: it is not valid UTF-8 text.");
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var delimiter = options.Delimiter ?? InferDelimiter(text);
        return ParseRecords(text, delimiter, sourceName, sha, options.MaxRows);
    }

    /// <summary>
    /// Picks the delimiter whose count per line (outside quotes) is the same and non-zero on most of the first
    /// 30 lines; a single-column file gets ','.
    /// </summary>
    public static char InferDelimiter(string text)
    {
        var lines = LogicalLines(text, 30);
        var best = ',';
        var bestScore = 0.0;
        foreach (var d in CandidateDelimiters)
        {
            var counts = lines.Select(l => CountOutsideQuotes(l, d)).ToList();
            if (counts.Count == 0 || counts[0] == 0) continue;
            var header = counts[0];
            var agreeing = counts.Count(c => c == header);
            // Consistency first; more columns break ties between equally consistent candidates.
            var score = agreeing / (double)counts.Count + Math.Min(header, 100) / 10_000.0;
            if (score > bestScore + 1e-12)
            {
                best = d;
                bestScore = score;
            }
        }
        return best;
    }

    /// <summary>Writes a table as CSV (header first; fields quoted when they contain the delimiter, quotes or line breaks).</summary>
    public static async Task WriteAsync(TabularData data, TextWriter writer, char delimiter = ',', CancellationToken cancellationToken = default)
    {
        var sb = new StringBuilder();
        sb.AppendJoin(delimiter, data.ColumnNames.Select(n => Quote(n, delimiter)));
        await writer.WriteLineAsync(sb, cancellationToken);
        for (var r = 0; r < data.RowCount; r++)
        {
            sb.Clear();
            for (var c = 0; c < data.ColumnCount; c++)
            {
                if (c > 0) sb.Append(delimiter);
                sb.Append(Quote(data[r, c], delimiter));
            }
            await writer.WriteLineAsync(sb, cancellationToken);
        }
    }

    /// <summary>Quotes a field for CSV output when it needs it.</summary>
    public static string Quote(string? field, char delimiter = ',')
    {
        if (string.IsNullOrEmpty(field)) return "";
        return field.IndexOfAny([delimiter, '"', '\n', '\r']) >= 0 || field[0] == ' ' || field[^1] == ' '
            ? "\"" + field.Replace("\"", "\"\"") + "\""
            : field;
    }

    private static TabularData ParseRecords(string text, char delimiter, string sourceName, string sha, int? maxRows)
    {
        var records = new List<string?[]>();
        var lineNumbers = new List<int>();
        string[]? header = null;
        var ragged = new List<(int Line, int Count)>();
        var fields = new List<string?>();
        var field = new StringBuilder();
        var line = 1;
        var recordStart = 1;
        var i = 0;
        var wasQuoted = false;
        while (i <= text.Length)
        {
            // One record per iteration of the outer loop.
            fields.Clear();
            recordStart = line;
            var endOfText = false;
            while (true)
            {
                field.Clear();
                wasQuoted = false;
                if (i < text.Length && text[i] == '"')
                {
                    wasQuoted = true;
                    var quoteLine = line;
                    i++;
                    while (true)
                    {
                        if (i >= text.Length)
                            throw new CsvFormatException($"{sourceName}: a quoted field opened on line {quoteLine} is never closed.", [quoteLine]);
                        var ch = text[i];
                        if (ch == '"')
                        {
                            if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                            i++;
                            break;
                        }
                        if (ch == '\n') line++;
                        field.Append(ch);
                        i++;
                    }
                    // Tolerate spaces between the closing quote and the delimiter; anything else is malformed.
                    while (i < text.Length && text[i] == ' ') i++;
                    if (i < text.Length && text[i] != delimiter && text[i] != '\n' && text[i] != '\r')
                        throw new CsvFormatException($"{sourceName}: line {line} has text after a closing quote; quotes inside a field must be doubled (\"\").", [line]);
                }
                else
                {
                    var start = i;
                    while (i < text.Length && text[i] != delimiter && text[i] != '\n' && text[i] != '\r') i++;
                    field.Append(text, start, i - start);
                }
                var value = wasQuoted ? field.ToString() : field.ToString().Trim();
                fields.Add(value.Length == 0 ? null : value);
                if (i < text.Length && text[i] == delimiter) { i++; continue; }
                // End of record: line break or end of text.
                if (i >= text.Length) { endOfText = true; i++; }
                else
                {
                    if (text[i] == '\r') i++;
                    if (i < text.Length && text[i] == '\n') i++;
                    line++;
                }
                break;
            }
            var blank = fields.Count == 1 && fields[0] is null && !wasQuoted;
            if (blank)
            {
                if (endOfText) break;
                continue;
            }
            if (header is null)
            {
                header = MakeHeader(fields, sourceName);
            }
            else
            {
                if (fields.Count != header.Length)
                {
                    ragged.Add((recordStart, fields.Count));
                }
                else if (ragged.Count == 0)
                {
                    records.Add(fields.ToArray());
                    lineNumbers.Add(recordStart);
                }
                if (maxRows is { } max && records.Count >= max) break;
            }
            if (endOfText) break;
        }

        if (header is null) throw new CsvFormatException($"{sourceName} is empty: a CSV needs a header row and at least one data row.");
        if (ragged.Count > 0)
        {
            var shown = string.Join(", ", ragged.Take(MaxReportedLines).Select(r => $"line {r.Line} has {r.Count}"));
            var more = ragged.Count > MaxReportedLines ? $" and {ragged.Count - MaxReportedLines} more lines" : "";
            throw new CsvFormatException(
                $"{sourceName}: {ragged.Count} row(s) do not have the header's {header.Length} fields (delimiter '{Describe(delimiter)}'): {shown}{more}.",
                ragged.Take(MaxReportedLines).Select(r => r.Line).ToList());
        }
        if (records.Count == 0) throw new CsvFormatException($"{sourceName} has a header but no data rows.");
        if (header.Length == 1 && records.Count > 0 && LooksLikeProse(header[0]))
            throw new CsvFormatException($"{sourceName} does not look like a CSV table: no delimiter (, ; tab |) separates its first line into columns.");

        var columns = new string?[header.Length][];
        for (var c = 0; c < header.Length; c++)
        {
            var column = new string?[records.Count];
            for (var r = 0; r < records.Count; r++) column[r] = records[r][c];
            columns[c] = column;
        }
        return TabularData.FromParsed(header, columns, records.Count, sha, sourceName, lineNumbers.ToArray());
    }

    private static string[] MakeHeader(List<string?> fields, string sourceName)
    {
        var names = new string[fields.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = new List<string>();
        for (var c = 0; c < fields.Count; c++)
        {
            var name = fields[c]?.Trim();
            if (string.IsNullOrEmpty(name)) name = $"column_{c + 1}";
            if (!seen.Add(name)) duplicates.Add(name);
            names[c] = name;
        }
        if (duplicates.Count > 0)
            throw new CsvFormatException($"{sourceName}: the header names {string.Join(", ", duplicates.Distinct().Select(d => $"'{d}'"))} more than once; column names must be unique.", [1]);
        return names;
    }

    // A one-column "CSV" whose header is a sentence is almost certainly some other text file.
    private static bool LooksLikeProse(string header) => header.Count(char.IsWhiteSpace) >= 4 || header.Length > 80;

    private static string Describe(char d) => d switch { '\t' => "\\t", _ => d.ToString() };

    private static int CountOutsideQuotes(string line, char delimiter)
    {
        var count = 0;
        var quoted = false;
        foreach (var ch in line)
        {
            if (ch == '"') quoted = !quoted;
            else if (ch == delimiter && !quoted) count++;
        }
        return count;
    }

    private static List<string> LogicalLines(string text, int max)
    {
        var lines = new List<string>();
        var quoted = false;
        var start = 0;
        for (var i = 0; i < text.Length && lines.Count < max; i++)
        {
            var ch = text[i];
            if (ch == '"') quoted = !quoted;
            else if (ch == '\n' && !quoted)
            {
                var l = text[start..i].TrimEnd('\r');
                if (l.Length > 0) lines.Add(l);
                start = i + 1;
            }
        }
        if (lines.Count < max && start < text.Length)
        {
            var l = text[start..].TrimEnd('\r', '\n');
            if (l.Length > 0) lines.Add(l);
        }
        return lines;
    }
}
