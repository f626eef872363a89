using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace SwarmAgentBot.Ml.Profiling;

/// <summary>A fast 64-bit hash of a byte span (multiply-rotate rounds, 64-bit avalanche finish).</summary>
internal static class ValueHash
{
    private const ulong P1 = 0x9E3779B185EBCA87UL;
    private const ulong P2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong P3 = 0x165667B19E3779F9UL;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Of(ReadOnlySpan<byte> data)
    {
        var h = P3 ^ ((ulong)data.Length * P1);
        var i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            var k = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]) * P2;
            h ^= BitOperations.RotateLeft(k, 31) * P1;
            h = BitOperations.RotateLeft(h, 27) * P1 + P3;
        }
        if (i < data.Length)
        {
            ulong k = 0;
            for (var s = 0; i < data.Length; i++, s += 8) k |= (ulong)data[i] << s;
            h ^= BitOperations.RotateLeft(k * P2, 31) * P1;
        }
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 33;
        return h;
    }
}

/// <summary>
/// Counts distinct values exactly (by 64-bit hash) up to a cap, and always feeds a HyperLogLog
/// sketch so that past the cap the count becomes an estimate (about 1% error) in fixed memory.
/// </summary>
internal sealed class DistinctCounter
{
    private const int Precision = 14;
    private const int Registers = 1 << Precision;
    private readonly int _cap;
    private readonly byte[] _registers = new byte[Registers];
    private ulong[]? _table = new ulong[1024];
    private bool _hasZero;
    private int _count;

    public DistinctCounter(int cap) => _cap = cap;

    /// <summary>True once more distinct values than the cap were seen.</summary>
    public bool Overflowed => _table is null;

    /// <summary>Exact count, or the HyperLogLog estimate once <see cref="Overflowed"/>.</summary>
    public long Count => _table is null ? Estimate() : _count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(ulong hash)
    {
        var index = (int)(hash >> (64 - Precision));
        var rank = (byte)(BitOperations.LeadingZeroCount((hash << Precision) | (1UL << (Precision - 1))) + 1);
        if (_registers[index] < rank) _registers[index] = rank;
        if (_table is not null) AddExact(hash);
    }

    private void AddExact(ulong hash)
    {
        if (hash == 0)
        {
            if (!_hasZero) { _hasZero = true; Grown(); }
            return;
        }
        var table = _table!;
        var mask = table.Length - 1;
        var slot = (int)hash & mask;
        while (true)
        {
            var v = table[slot];
            if (v == hash) return;
            if (v == 0) break;
            slot = (slot + 1) & mask;
        }
        table[slot] = hash;
        Grown();
    }

    private void Grown()
    {
        _count++;
        if (_count > _cap) { _table = null; return; }
        if (_table is not null && _count * 2 > _table.Length) Rehash();
    }

    private void Rehash()
    {
        var old = _table!;
        var table = new ulong[old.Length * 2];
        var mask = table.Length - 1;
        foreach (var v in old)
        {
            if (v == 0) continue;
            var slot = (int)v & mask;
            while (table[slot] != 0) slot = (slot + 1) & mask;
            table[slot] = v;
        }
        _table = table;
    }

    private long Estimate()
    {
        double sum = 0;
        var zeros = 0;
        foreach (var r in _registers)
        {
            sum += 1.0 / (1UL << r);
            if (r == 0) zeros++;
        }
        const double alpha = 0.7213 / (1 + 1.079 / Registers);
        var estimate = alpha * Registers * Registers / sum;
        // Small range: linear counting is more accurate while registers are still empty.
        if (estimate <= 2.5 * Registers && zeros > 0) estimate = Registers * Math.Log((double)Registers / zeros);
        return (long)Math.Round(Math.Max(estimate, _cap + 1));
    }
}

/// <summary>One value and how often it occurs.</summary>
/// <param name="Value">The value as text.</param>
/// <param name="Count">Occurrences (a lower bound when the counts are approximate: the true count is at most this plus the values dropped).</param>
public sealed record ValueCount(string Value, long Count);

/// <summary>
/// The most frequent values of a column in bounded memory (Misra–Gries): exact counts while there
/// are at most <c>capacity</c> distinct values, then a summary that keeps every value occurring
/// more than n/capacity times. Keys are hashes; the bytes are copied once per tracked value.
/// </summary>
internal sealed class FrequentValues
{
    private readonly int _capacity;
    private readonly Dictionary<ulong, int> _slots;
    private readonly long[] _counts;
    private readonly byte[][] _values;
    private readonly ulong[] _hashes;
    private int _used;
    private long _decrements;

    public FrequentValues(int capacity)
    {
        _capacity = capacity;
        _slots = new Dictionary<ulong, int>(capacity);
        _counts = new long[capacity];
        _values = new byte[capacity][];
        _hashes = new ulong[capacity];
    }

    /// <summary>True while every count is exact (the summary never had to drop values).</summary>
    public bool Exact => _decrements == 0;

    /// <summary>Values tracked right now.</summary>
    public int Tracked => _used;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(ulong hash, ReadOnlySpan<byte> value)
    {
        if (_slots.TryGetValue(hash, out var slot)) { _counts[slot]++; return; }
        if (_used < _capacity)
        {
            _slots[hash] = _used;
            _counts[_used] = 1;
            _values[_used] = value.ToArray();
            _hashes[_used] = hash;
            _used++;
            return;
        }
        Decrement();
    }

    private void Decrement()
    {
        // Full and a new value: every count goes down by one (the new value's single occurrence
        // cancels against them); values reaching zero make room. Amortised O(1) per value.
        _decrements++;
        _slots.Clear();
        var kept = 0;
        for (var i = 0; i < _used; i++)
        {
            if (--_counts[i] <= 0) continue;
            _counts[kept] = _counts[i];
            _values[kept] = _values[i];
            _hashes[kept] = _hashes[i];
            _slots[_hashes[kept]] = kept;
            kept++;
        }
        for (var i = kept; i < _used; i++) _values[i] = null!;
        _used = kept;
    }

    /// <summary>The top <paramref name="limit"/> values by count, then by value.</summary>
    public IReadOnlyList<ValueCount> Top(int limit)
    {
        var order = Enumerable.Range(0, _used)
            .Select(i => new ValueCount(Encoding.UTF8.GetString(_values[i]), _counts[i]))
            .OrderByDescending(v => v.Count).ThenBy(v => v.Value, StringComparer.Ordinal)
            .Take(limit)
            .ToList();
        return order;
    }
}
