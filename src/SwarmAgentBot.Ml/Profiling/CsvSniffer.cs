namespace SwarmAgentBot.Ml.Profiling;

/// <summary>
/// Looks at the first bytes of a file: refuses what is clearly not a CSV (with a message that says
/// what it looks like instead) and infers the delimiter among , ; tab |.
/// </summary>
public static class CsvSniffer
{
    /// <summary>Delimiters tried, in order of preference on a tie.</summary>
    public static ReadOnlySpan<byte> Candidates => ",;\t|"u8;

    /// <summary>What every error about formats ends with.</summary>
    public const string SupportedFormats = "Supported: CSV with a header row (delimiter , ; tab or | is detected, so TSV works too), UTF-8.";

    /// <summary>Throws <see cref="CsvFormatException"/> when <paramref name="head"/> is empty or binary.</summary>
    public static void EnsureText(ReadOnlySpan<byte> head)
    {
        if (head.IsEmpty || head.SequenceEqual("\xEF\xBB\xBF"u8))
            throw new CsvFormatException("The file is empty: there is no header row and no data. " + SupportedFormats);
        if (head.IndexOfAnyExcept(" \t\r\n"u8) < 0)
            throw new CsvFormatException("The file holds only blank lines: there is no header row and no data. " + SupportedFormats);
        if (KnownBinary(head) is { } kind)
            throw new CsvFormatException($"This is {kind}, not a CSV. Not supported yet: export it as CSV. " + SupportedFormats);
        if (head.Length >= 2 && (head[0] == 0xFF && head[1] == 0xFE || head[0] == 0xFE && head[1] == 0xFF))
            throw new CsvFormatException("This is UTF-16 text; save it as UTF-8 CSV. " + SupportedFormats);
        var control = 0;
        foreach (var b in head)
        {
            if (b == 0) throw new CsvFormatException("This file is binary (it contains NUL bytes), not a CSV. " + SupportedFormats);
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\r' or (byte)'\n' or 0x0C)) control++;
        }
        if (control > head.Length / 100)
            throw new CsvFormatException("This file is binary (many control characters), not a CSV. " + SupportedFormats);
    }

    /// <summary>A name for well-known binary formats by their magic bytes, or null.</summary>
    public static string? KnownBinary(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("PK\x03\x04"u8)) return "a ZIP archive (an Excel .xlsx workbook is one)";
        if (head.StartsWith("PAR1"u8)) return "a Parquet file";
        if (head.StartsWith((ReadOnlySpan<byte>)[0xD0, 0xCF, 0x11, 0xE0])) return "an old Excel .xls workbook";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B])) return "a gzip-compressed file (decompress it first)";
        if (head.StartsWith("%PDF"u8)) return "a PDF document";
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47])) return "a PNG image";
        if (head.StartsWith("ARROW1"u8) || head.StartsWith("FEA1"u8)) return "an Arrow/Feather file";
        if (head.StartsWith("Obj\x01"u8)) return "an Avro file";
        if (head.StartsWith("ORC"u8)) return "an ORC file";
        return null;
    }

    /// <summary>
    /// The delimiter whose count per line is most consistent across the sampled lines (quotes
    /// respected); ties go to the earlier candidate. A file with none of them is one column: ','.
    /// </summary>
    public static byte InferDelimiter(ReadOnlySpan<byte> head)
    {
        const int maxLines = 100;
        Span<int> counts = stackalloc int[Candidates.Length * maxLines];
        counts.Clear();
        var lines = 0;
        var inQuotes = false;
        var lineHasContent = false;
        var complete = 0;
        for (var i = 0; i < head.Length && lines < maxLines; i++)
        {
            var b = head[i];
            if (b == (byte)'"') { inQuotes = !inQuotes; lineHasContent = true; continue; }
            if (inQuotes) continue;
            if (b == (byte)'\n')
            {
                if (lineHasContent) { lines++; complete = lines; }
                else counts.Slice(lines * Candidates.Length, Candidates.Length).Clear();
                lineHasContent = false;
                continue;
            }
            if (b != (byte)'\r') lineHasContent = true;
            var c = Candidates.IndexOf(b);
            if (c >= 0) counts[lines * Candidates.Length + c]++;
        }
        // A last line cut off by the sample is only used when it is the only one.
        var used = complete > 0 ? complete : (lineHasContent ? 1 : 0);
        if (used == 0) return (byte)',';

        var best = -1;
        var bestConsistency = -1.0;
        var bestCount = 0;
        for (var c = 0; c < Candidates.Length; c++)
        {
            var header = counts[c];
            if (header == 0) continue;
            var same = 0;
            for (var l = 0; l < used; l++) if (counts[l * Candidates.Length + c] == header) same++;
            var consistency = (double)same / used;
            if (consistency > bestConsistency + 1e-9 || Math.Abs(consistency - bestConsistency) < 1e-9 && header > bestCount)
            {
                best = c;
                bestConsistency = consistency;
                bestCount = header;
            }
        }
        return best < 0 ? (byte)',' : Candidates[best];
    }

    /// <summary>A printable name for a delimiter ("comma", "tab", ...).</summary>
    public static string Describe(byte delimiter) => delimiter switch
    {
        (byte)',' => "comma",
        (byte)';' => "semicolon",
        (byte)'\t' => "tab",
        (byte)'|' => "pipe",
        _ => $"'{(char)delimiter}'",
    };
}
