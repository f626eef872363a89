namespace SwarmAgentBot.Ml.Drift;

/// <summary>
/// Sorts finite doubles ascending. Large arrays use a least-significant-digit radix sort on the order-preserving
/// 64-bit image of each double (six passes of 11 bits, skipping passes where every key has the same digit): a
/// million values sort in a few linear passes, several times faster than a comparison sort. Small arrays use
/// <see cref="Array.Sort(Array)"/>.
/// </summary>
internal static class FloatSort
{
    private const int RadixBits = 11;
    private const int Buckets = 1 << RadixBits;
    private const int Passes = (64 + RadixBits - 1) / RadixBits;
    private const int MinRadixLength = 4096;

    /// <summary>Sorts <paramref name="values"/> in place (no NaN expected).</summary>
    public static void Sort(double[] values)
    {
        if (values.Length < MinRadixLength)
        {
            Array.Sort(values);
            return;
        }
        var keys = new ulong[values.Length];
        var counts = new int[Passes * Buckets];
        for (var i = 0; i < values.Length; i++)
        {
            var key = ToKey(values[i]);
            keys[i] = key;
            for (var p = 0; p < Passes; p++) counts[p * Buckets + (int)((key >> (p * RadixBits)) & (Buckets - 1))]++;
        }

        var buffer = new ulong[values.Length];
        for (var p = 0; p < Passes; p++)
        {
            var histogram = counts.AsSpan(p * Buckets, Buckets);
            // A pass where every key falls in one bucket would only copy.
            var trivial = false;
            foreach (var c in histogram) if (c == values.Length) { trivial = true; break; }
            if (trivial) continue;
            var offset = 0;
            for (var b = 0; b < Buckets; b++)
            {
                var c = histogram[b];
                histogram[b] = offset;
                offset += c;
            }
            var shift = p * RadixBits;
            foreach (var key in keys) buffer[histogram[(int)((key >> shift) & (Buckets - 1))]++] = key;
            (keys, buffer) = (buffer, keys);
        }
        for (var i = 0; i < values.Length; i++) values[i] = FromKey(keys[i]);
    }

    /// <summary>Maps a double to an unsigned integer with the same order (negatives flipped, positives offset).</summary>
    private static ulong ToKey(double value)
    {
        var bits = BitConverter.DoubleToUInt64Bits(value);
        return (bits & 0x8000_0000_0000_0000UL) != 0 ? ~bits : bits | 0x8000_0000_0000_0000UL;
    }

    private static double FromKey(ulong key) =>
        BitConverter.UInt64BitsToDouble((key & 0x8000_0000_0000_0000UL) != 0 ? key & 0x7FFF_FFFF_FFFF_FFFFUL : ~key);
}
