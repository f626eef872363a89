using System.Text.Json;

namespace SwarmAgentBot.Agents.Agents.Registry;

/// <summary>A predict body that cannot be served (not JSON, wrong shape, too many records); the message is for the caller.</summary>
public sealed class PredictionRequestException(string message) : Exception(message);

/// <summary>
/// The body of a predict call as sent, UTF-8 JSON, with where each record's object lies in it. Accepted shapes:
/// <c>{"record": {...}}</c>, <c>{"records": [{...}, ...]}</c>, a bare array of records or a bare record. Records
/// are located, not parsed: the model's preparation reads each one straight into its feature row, and the
/// prediction log keeps each record's JSON text as the features it was given.
/// </summary>
public sealed class PredictionRequest
{
    private readonly (int Start, int Length)[] _records;

    private PredictionRequest(ReadOnlyMemory<byte> utf8, (int Start, int Length)[] records)
    {
        Utf8 = utf8;
        _records = records;
    }

    /// <summary>The body.</summary>
    public ReadOnlyMemory<byte> Utf8 { get; }

    /// <summary>Number of records.</summary>
    public int Count => _records.Length;

    /// <summary>The JSON object of record <paramref name="index"/>.</summary>
    public ReadOnlyMemory<byte> Record(int index) => Utf8.Slice(_records[index].Start, _records[index].Length);

    /// <summary>Locates the records of a body; checks that it is JSON, that every record is an object, and the count.</summary>
    /// <exception cref="PredictionRequestException">The message says what is wrong.</exception>
    public static PredictionRequest Parse(ReadOnlyMemory<byte> utf8, int maxRecords)
    {
        // A UTF-8 byte order mark is allowed before the JSON (the reader itself refuses it).
        if (utf8.Span.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        try
        {
            return Locate(utf8, maxRecords);
        }
        catch (JsonException ex)
        {
            throw new PredictionRequestException("The body is not valid JSON: " + ex.Message);
        }
    }

    private static PredictionRequest Locate(ReadOnlyMemory<byte> utf8, int maxRecords)
    {
        var reader = new Utf8JsonReader(utf8.Span);
        if (!reader.Read()) throw new JsonException("The body is empty.");
        List<(int, int)>? batch = null;
        (int, int)? single = null;
        var total = 0;
        switch (reader.TokenType)
        {
            case JsonTokenType.StartArray:
                (batch, total) = ReadArray(ref reader, maxRecords);
                break;
            case JsonTokenType.StartObject:
                var start = (int)reader.TokenStartIndex;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var records = reader.ValueTextEquals("records"u8);
                    var record = !records && reader.ValueTextEquals("record"u8);
                    reader.Read();
                    if (records && reader.TokenType == JsonTokenType.StartArray) (batch, total) = ReadArray(ref reader, maxRecords);
                    else if (record && reader.TokenType == JsonTokenType.StartObject) single = Skip(ref reader);
                    else reader.Skip();
                }
                // {"records": [...]} wins over {"record": {...}}; an object with neither is itself the record.
                if (batch is null && single is null) single = (start, (int)reader.BytesConsumed - start);
                break;
            default:
                throw Shape();
        }
        // Anything after the first JSON value is an error (the reader throws on it).
        while (reader.Read()) { }
        if (batch is null)
            return new PredictionRequest(utf8, [single!.Value]);
        if (total == 0) throw Shape();
        if (total > maxRecords)
            throw new PredictionRequestException($"A call takes at most {maxRecords:N0} records; this one has {total:N0}.");
        return new PredictionRequest(utf8, batch.ToArray());
    }

    private static (List<(int, int)> Records, int Total) ReadArray(ref Utf8JsonReader reader, int maxRecords)
    {
        var records = new List<(int, int)>();
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject) throw new PredictionRequestException($"Record {index} is not a JSON object.");
            var located = Skip(ref reader);
            // Past the limit the records are only counted, for the message.
            if (index < maxRecords) records.Add(located);
            index++;
        }
        return (records, index);
    }

    private static (int, int) Skip(ref Utf8JsonReader reader)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return (start, (int)reader.BytesConsumed - start);
    }

    private static PredictionRequestException Shape() =>
        new("Send a record as a JSON object ({\"record\": {...}}) or a batch ({\"records\": [{...}, ...]}).");
}
