namespace SwarmAgentBot.Ml.Tabular;

/// <summary>
/// A file could not be read as a CSV table: empty, binary, no data rows, an unclosed quote, or rows whose
/// field count differs from the header's. The message is meant for the person who supplied the file and
/// names the offending line numbers (1-based, counting the header as line 1).
/// </summary>
public sealed class CsvFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public CsvFormatException(string message, IReadOnlyList<int>? lineNumbers = null) : base(message) =>
        LineNumbers = lineNumbers ?? [];

    /// <summary>The offending lines (may be a first few of many), empty when the problem is the whole file.</summary>
    public IReadOnlyList<int> LineNumbers { get; }
}
