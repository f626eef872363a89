using System.Buffers.Binary;
using System.Text.Json;
using SwarmAgentBot.Ml.AutoMl;

namespace SwarmAgentBot.Agents.Agents.Registry;

/// <summary>
/// How one predict call is stored in the prediction log: its records as one JSON array (the records' text as sent,
/// joined) and its predictions as one compact binary blob. Writing a call is then two copies, whatever its size;
/// the cost of turning rows back into JSON is paid by the (rare) readers instead.
/// </summary>
/// <remarks>
/// Predictions blob, little-endian: byte 0 = format (1), byte 1 = kind. Kind 1 (classes): int32 class count k, then
/// per row an int32 index of the label in the call's class labels and k float64 probabilities rounded to 6 decimals
/// (what the log always kept). Kind 0 (values): a float64 per row. Kind 2: UTF-8 JSON array of prediction objects,
/// for predictions of any other shape.
/// </remarks>
public static class PredictionCallFormat
{
    private const byte Format = 1;
    private const byte Values = 0, Classes = 1, JsonObjects = 2;

    /// <summary>The records of a call as one JSON array: each record's JSON text as sent, in order.</summary>
    public static byte[] Features(Func<int, ReadOnlyMemory<byte>> record, int count)
    {
        var length = 2 + Math.Max(0, count - 1);
        for (var i = 0; i < count; i++) length += record(i).Length;
        var blob = new byte[length];
        blob[0] = (byte)'[';
        var at = 1;
        for (var i = 0; i < count; i++)
        {
            if (i > 0) blob[at++] = (byte)',';
            var span = record(i).Span;
            span.CopyTo(blob.AsSpan(at));
            at += span.Length;
        }
        blob[at] = (byte)']';
        return blob;
    }

    /// <summary>The predictions of a call as a blob (see the remarks of <see cref="PredictionCallFormat"/>).</summary>
    public static byte[] Predictions(IReadOnlyList<Prediction> predictions, IReadOnlyList<string> classLabels)
    {
        var k = classLabels.Count;
        if (k > 0 && AllClasses(predictions, classLabels))
        {
            var rowBytes = 4 + 8 * k;
            var blob = new byte[6 + rowBytes * predictions.Count];
            blob[0] = Format;
            blob[1] = Classes;
            BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(2), k);
            var at = 6;
            foreach (var p in predictions)
            {
                BinaryPrimitives.WriteInt32LittleEndian(blob.AsSpan(at), IndexOf(classLabels, p.Label!));
                for (var c = 0; c < k; c++) BinaryPrimitives.WriteDoubleLittleEndian(blob.AsSpan(at + 4 + 8 * c), Math.Round(p.Probabilities![c], 6));
                at += rowBytes;
            }
            return blob;
        }
        if (predictions.All(p => p is { Label: null, Probabilities: null, Value: not null }))
        {
            var blob = new byte[2 + 8 * predictions.Count];
            blob[0] = Format;
            blob[1] = Values;
            for (var i = 0; i < predictions.Count; i++) BinaryPrimitives.WriteDoubleLittleEndian(blob.AsSpan(2 + 8 * i), predictions[i].Value!.Value);
            return blob;
        }
        var json = new System.Buffers.ArrayBufferWriter<byte>();
        System.Buffers.BuffersExtensions.Write(json, [Format, JsonObjects]);
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartArray();
            foreach (var p in predictions) ModelServer.WritePrediction(writer, p, classLabels);
            writer.WriteEndArray();
        }
        return json.WrittenSpan.ToArray();
    }

    /// <summary>Reads prediction <paramref name="index"/> of a blob written by <see cref="Predictions"/>.</summary>
    /// <exception cref="FormatException">The blob is not one this version writes.</exception>
    public static Prediction Prediction(ReadOnlySpan<byte> blob, int index, IReadOnlyList<string> classLabels)
    {
        if (blob.Length < 2 || blob[0] != Format) throw new FormatException("Unknown prediction log format.");
        switch (blob[1])
        {
            case Classes:
            {
                var k = BinaryPrimitives.ReadInt32LittleEndian(blob[2..]);
                var row = blob.Slice(6 + (4 + 8 * k) * index, 4 + 8 * k);
                var probabilities = new double[k];
                for (var c = 0; c < k; c++) probabilities[c] = BinaryPrimitives.ReadDoubleLittleEndian(row[(4 + 8 * c)..]);
                return new Prediction(classLabels[BinaryPrimitives.ReadInt32LittleEndian(row)], null, probabilities);
            }
            case Values:
                return new Prediction(null, BinaryPrimitives.ReadDoubleLittleEndian(blob[(2 + 8 * index)..]), null);
            case JsonObjects:
            {
                using var document = JsonDocument.Parse(blob[2..].ToArray());
                var p = document.RootElement[index];
                var label = p.TryGetProperty("label", out var l) ? l.GetString() : null;
                double? value = p.TryGetProperty("value", out var v) ? v.GetDouble() : null;
                var probabilities = p.TryGetProperty("probabilities", out var probs)
                    ? classLabels.Select(c => probs.TryGetProperty(c, out var q) ? q.GetDouble() : double.NaN).ToArray()
                    : null;
                return new Prediction(label, value, probabilities);
            }
            default:
                throw new FormatException("Unknown prediction log format.");
        }
    }

    private static bool AllClasses(IReadOnlyList<Prediction> predictions, IReadOnlyList<string> classLabels)
    {
        foreach (var p in predictions)
            if (p.Value is not null || p.Label is null || p.Probabilities is null || p.Probabilities.Length != classLabels.Count || IndexOf(classLabels, p.Label) < 0)
                return false;
        return true;
    }

    private static int IndexOf(IReadOnlyList<string> classLabels, string label)
    {
        // Labels come from the class list itself, so the reference check nearly always answers first.
        for (var i = 0; i < classLabels.Count; i++)
            if (ReferenceEquals(classLabels[i], label) || classLabels[i] == label) return i;
        return -1;
    }
}
