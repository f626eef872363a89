namespace SwarmAgentBot.Ml.Preparation;

/// <summary>A record given for prediction lacks a field or has a value of the wrong type; <see cref="Field"/> names it.</summary>
public sealed class RecordValidationException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="field">The input field (original column name).</param>
    /// <param name="message">User-facing text naming the field.</param>
    /// <param name="lineNumber">For CSV input, the line of the bad row.</param>
    public RecordValidationException(string field, string message, int? lineNumber = null)
        : base(lineNumber is null ? message : $"Line {lineNumber}: {message}")
    {
        Field = field;
        LineNumber = lineNumber;
    }

    /// <summary>The offending field.</summary>
    public string Field { get; }

    /// <summary>The source line for CSV input, else null.</summary>
    public int? LineNumber { get; }
}
