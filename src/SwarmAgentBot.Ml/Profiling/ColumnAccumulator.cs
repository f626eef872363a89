using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace SwarmAgentBot.Ml.Profiling;

/// <summary>
/// The spellings of "no value" the profiler counts as missing: pandas' default NA strings, matched
/// case-sensitively as pandas does (so "None" is missing but the category "none" is not).
/// </summary>
public static class MissingValues
{
    /// <summary>True for "", NA, N/A, n/a, NaN, nan, -NaN, -nan, NULL, null, None, &lt;NA&gt;, #N/A, #NA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Is(ReadOnlySpan<byte> v) => v.Length switch
    {
        0 => true,
        2 => v.SequenceEqual("NA"u8),
        3 => v.SequenceEqual("N/A"u8) || v.SequenceEqual("n/a"u8) || v.SequenceEqual("NaN"u8) || v.SequenceEqual("nan"u8) || v.SequenceEqual("#NA"u8),
        4 => v.SequenceEqual("NULL"u8) || v.SequenceEqual("null"u8) || v.SequenceEqual("None"u8) || v.SequenceEqual("-NaN"u8)
             || v.SequenceEqual("-nan"u8) || v.SequenceEqual("<NA>"u8) || v.SequenceEqual("#N/A"u8),
        _ => false,
    };

    /// <summary>The same test on a string.</summary>
    public static bool Is(string value) => value.Length <= 4 && Is(Encoding.UTF8.GetBytes(value));
}

/// <summary>
/// Everything the profiler learns about one column in one pass, in memory bounded by the sketch
/// sizes: type evidence, missing count, distinct values, Welford mean/variance, extremes, and the
/// frequent values.
/// </summary>
internal sealed class ColumnAccumulator
{
    private readonly DistinctCounter _distinct;
    private readonly FrequentValues _frequent;
    private bool _trackFrequent = true;

    private long _missing;
    private long _present;
    private bool _maybeNumeric = true;
    private bool _maybeInteger = true;
    private bool _maybeBoolean = true;
    private bool _maybeDate = true;
    private long _numbers;
    private double _mean;
    private double _m2;
    private double _min = double.PositiveInfinity;
    private double _max = double.NegativeInfinity;
    private byte[]? _minText;
    private byte[]? _maxText;

    public ColumnAccumulator(string name, int distinctCap, int frequentCap)
    {
        Name = name;
        _distinct = new DistinctCounter(distinctCap);
        _frequent = new FrequentValues(frequentCap);
    }

    public string Name { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddMissing() => _missing++;

    public void Add(ReadOnlySpan<byte> value)
    {
        if (MissingValues.Is(value)) { _missing++; return; }
        _present++;
        var hash = ValueHash.Of(value);
        _distinct.Add(hash);
        if (_trackFrequent)
        {
            _frequent.Add(hash, value);
            // Past many times the summary's size the column is an identifier or free text: its
            // "top values" say nothing, and tracking them costs an allocation per new value.
            if (_distinct.Overflowed && !_frequent.Exact) _trackFrequent = false;
        }

        if (_maybeNumeric)
        {
            if (_maybeInteger && TryParseInteger(value, out var integer)) AddNumber(integer);
            else
            {
                _maybeInteger = false;
                if (TryParseShortDecimal(value, out var d)
                    || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out d) && double.IsFinite(d)) AddNumber(d);
                else _maybeNumeric = false;
            }
        }
        if (_maybeBoolean && !IsBoolean(value)) _maybeBoolean = false;
        if (_maybeDate)
        {
            if (!LooksLikeIsoDate(value)) _maybeDate = false;
            else
            {
                if (_minText is null || value.SequenceCompareTo(_minText) < 0) _minText = value.ToArray();
                if (_maxText is null || value.SequenceCompareTo(_maxText) > 0) _maxText = value.ToArray();
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddNumber(double x)
    {
        _numbers++;
        var delta = x - _mean;
        _mean += delta / _numbers;
        _m2 += delta * (x - _mean);
        if (x < _min) _min = x;
        if (x > _max) _max = x;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryParseInteger(ReadOnlySpan<byte> v, out long value)
    {
        value = 0;
        var i = 0;
        var negative = false;
        if (v[0] is (byte)'-' or (byte)'+') { negative = v[0] == (byte)'-'; i = 1; }
        if (i == v.Length || v.Length - i > 18) return false;
        for (; i < v.Length; i++)
        {
            var d = (uint)(v[i] - (byte)'0');
            if (d > 9) return false;
            value = value * 10 + d;
        }
        if (negative) value = -value;
        return true;
    }

    private static readonly double[] PowersOf10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

    /// <summary>
    /// "-123.456" with at most 15 digits: the digits form an exact integer and 10^k is exact, so
    /// one division gives the correctly rounded double, the same as the full parser, much faster.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryParseShortDecimal(ReadOnlySpan<byte> v, out double value)
    {
        value = 0;
        var i = 0;
        var negative = false;
        if (v[0] is (byte)'-' or (byte)'+') { negative = v[0] == (byte)'-'; i = 1; }
        long mantissa = 0;
        var digits = 0;
        var fraction = -1;
        for (; i < v.Length; i++)
        {
            var d = (uint)(v[i] - (byte)'0');
            if (d <= 9) { mantissa = mantissa * 10 + d; digits++; if (fraction >= 0) fraction++; continue; }
            if (v[i] == (byte)'.' && fraction < 0) { fraction = 0; continue; }
            return false;
        }
        if (digits == 0 || digits > 15) return false;
        value = fraction > 0 ? mantissa / PowersOf10[fraction] : mantissa;
        if (negative) value = -value;
        return true;
    }

    private static bool IsBoolean(ReadOnlySpan<byte> v) =>
        v.Length <= 5 && (Ascii.EqualsIgnoreCase(v, "true"u8) || Ascii.EqualsIgnoreCase(v, "false"u8)
                          || Ascii.EqualsIgnoreCase(v, "yes"u8) || Ascii.EqualsIgnoreCase(v, "no"u8));

    /// <summary>yyyy-mm-dd, optionally followed by 'T' or ' ' and a time (hh:mm[:ss[.fff]]) and a zone.</summary>
    internal static bool LooksLikeIsoDate(ReadOnlySpan<byte> v)
    {
        if (v.Length < 10 || v[4] != (byte)'-' || v[7] != (byte)'-') return false;
        for (var i = 0; i < 10; i++) if (i != 4 && i != 7 && (uint)(v[i] - '0') > 9) return false;
        var month = (v[5] - '0') * 10 + (v[6] - '0');
        var day = (v[8] - '0') * 10 + (v[9] - '0');
        if (month is < 1 or > 12 || day is < 1 or > 31) return false;
        if (v.Length == 10) return true;
        if (v[10] is not ((byte)'T' or (byte)' ') || v.Length < 16 || v[13] != (byte)':') return false;
        for (var i = 11; i < 16; i++) if (i != 13 && (uint)(v[i] - '0') > 9) return false;
        for (var i = 16; i < v.Length; i++)
            if (v[i] is not ((byte)':' or (byte)'.' or (byte)'Z' or (byte)'+' or (byte)'-') && (uint)(v[i] - '0') > 9) return false;
        return true;
    }

    public ColumnProfile ToProfile(long rows, int topLimit)
    {
        var type = Classify(rows);
        var numeric = type is ColumnType.Integer or ColumnType.Float && _numbers > 0;
        double? std = numeric && _numbers > 1 ? Math.Sqrt(_m2 / (_numbers - 1)) : null;
        return new ColumnProfile(
            Name,
            type,
            _present,
            _missing,
            rows == 0 ? 0 : Math.Round(100.0 * _missing / rows, 2),
            _distinct.Count,
            _distinct.Overflowed,
            numeric ? _min : null,
            numeric ? _max : null,
            numeric ? _mean : null,
            std,
            type == ColumnType.DateTime && _minText is not null ? Encoding.UTF8.GetString(_minText) : null,
            type == ColumnType.DateTime && _maxText is not null ? Encoding.UTF8.GetString(_maxText) : null,
            _trackFrequent ? _frequent.Top(topLimit) : [],
            _frequent.Exact);
    }

    private ColumnType Classify(long rows)
    {
        if (_present == 0) return ColumnType.Empty;
        if (_maybeBoolean) return ColumnType.Boolean;
        if (_maybeNumeric) return _maybeInteger ? ColumnType.Integer : ColumnType.Float;
        if (_maybeDate) return ColumnType.DateTime;
        // Text with few distinct values is a category; many distinct values is free text or an id.
        var distinct = _distinct.Count;
        var categoricalLimit = Math.Max(20, Math.Min(1000, _present / 20));
        return !_distinct.Overflowed && distinct <= categoricalLimit ? ColumnType.Categorical : ColumnType.Text;
    }
}
