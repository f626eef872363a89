using System.Text;
using System.Text.Json;

namespace SwarmAgentBot.Ml.Preparation;

/// <summary>
/// Encodes a record sent as a JSON object straight into its feature row, reading the UTF-8 JSON once: no
/// dictionary, boxed value or intermediate table per record. It applies exactly the rules of
/// <see cref="FeaturePreparation.TransformRecord"/>: fields match a used column exactly, or ignoring case when no
/// field matches exactly; null is a missing value; a field left out, or a value of the wrong type, is an error that
/// names the first such column in feature order. Thread-safe (it keeps no per-call state).
/// </summary>
public sealed class JsonRecordEncoder
{
    private const byte Unset = 0, SetIgnoringCase = 1, SetExactly = 2;
    private const int MaxStackName = 128;

    private readonly FeaturePreparation _preparation;
    private readonly ColumnEncoding[] _columns;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _exact;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _ignoringCase;

    /// <summary>Creates the encoder of a fitted preparation (use <see cref="FeaturePreparation.JsonRecords"/>).</summary>
    public JsonRecordEncoder(FeaturePreparation preparation)
    {
        _preparation = preparation;
        _columns = preparation.Columns.ToArray();
        var exact = new Dictionary<string, int>(StringComparer.Ordinal);
        var ignoringCase = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < _columns.Length; i++)
        {
            exact.TryAdd(_columns[i].Column, i);
            ignoringCase.TryAdd(_columns[i].Column, i);
        }
        _exact = exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _ignoringCase = ignoringCase.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Features per row.</summary>
    public int FeatureCount => _preparation.FeatureCount;

    /// <summary>
    /// Encodes one record (<paramref name="utf8Record"/> is exactly one JSON object) into <paramref name="row"/>
    /// (<see cref="FeatureCount"/> values). Returns null when the record is good, else the error naming the field.
    /// </summary>
    /// <exception cref="JsonException">The bytes are not one JSON object.</exception>
    public RecordValidationException? Encode(ReadOnlySpan<byte> utf8Record, Span<float> row)
    {
        if (row.Length < FeatureCount) throw new ArgumentException($"The row needs {FeatureCount} slots.", nameof(row));
        var reader = new Utf8JsonReader(utf8Record);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw new JsonException("A record must be a JSON object.");
        Span<byte> state = _columns.Length <= 256 ? stackalloc byte[_columns.Length] : new byte[_columns.Length];
        state.Clear();
        // Messages per column, allocated only for a bad record; a later exact match replaces an earlier one's verdict.
        string?[]? errors = null;
        Span<char> nameBuffer = stackalloc char[MaxStackName];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var column = FindColumn(ref reader, nameBuffer, out var exact);
            reader.Read();
            if (column < 0 || (!exact && state[column] != Unset))
            {
                // Not a used column, or a case-insensitive duplicate of a field already read: ignored, as TransformRecord does.
                reader.Skip();
                continue;
            }
            state[column] = exact ? SetExactly : SetIgnoringCase;
            var enc = _columns[column];
            var message = EncodeValue(ref reader, utf8Record, enc, row.Slice(enc.Offset, enc.Width));
            if (message is not null) (errors ??= new string?[_columns.Length])[column] = message;
            else if (errors is not null) errors[column] = null;
        }
        // The first column (in feature order) that is absent or bad is the one reported.
        for (var c = 0; c < _columns.Length; c++)
        {
            if (state[c] == Unset) return new RecordValidationException(_columns[c].Column, FeaturePreparation.MissingFieldMessage(_columns[c].Column));
            if (errors?[c] is { } error) return new RecordValidationException(_columns[c].Column, error);
        }
        _preparation.ApplyScaling(row[..FeatureCount]);
        return null;
    }

    private int FindColumn(ref Utf8JsonReader reader, scoped Span<char> buffer, out bool exact)
    {
        scoped ReadOnlySpan<char> name;
        if (!reader.ValueIsEscaped && !reader.HasValueSequence && reader.ValueSpan.Length <= MaxStackName)
            name = buffer[..Encoding.UTF8.GetChars(reader.ValueSpan, buffer)];
        else
            name = reader.GetString();
        exact = _exact.TryGetValue(name, out var column);
        return exact || _ignoringCase.TryGetValue(name, out column) ? column : -1;
    }

    private static string? EncodeValue(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8Record, ColumnEncoding enc, Span<float> slot)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return FeaturePreparation.EncodeText(enc, null, slot);
            case JsonTokenType.True:
            case JsonTokenType.False:
                return FeaturePreparation.EncodeBoolean(enc, reader.TokenType == JsonTokenType.True, slot);
            case JsonTokenType.Number:
                return reader.TryGetDouble(out var number)
                    ? FeaturePreparation.EncodeNumber(enc, number, slot)
                    : $"Field '{enc.Column}' must be a number that fits a double, got {Encoding.UTF8.GetString(reader.ValueSpan)}.";
            case JsonTokenType.String:
                return FeaturePreparation.EncodeText(enc, reader.GetString(), slot);
            default:
            {
                // An object or array: its JSON text is the value, as a nested value was before (it never matches a
                // number, date or known category, so the message or the encoding says so).
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                return FeaturePreparation.EncodeText(enc, Encoding.UTF8.GetString(utf8Record[start..(int)reader.BytesConsumed]), slot);
            }
        }
    }
}
