using System.Runtime.InteropServices;
using System.Text;

namespace SwarmAgentBot.Ml.Xgboost;

/// <summary>
/// Fast in-place prediction for a few rows at a time (serving): the input lives in native memory whose
/// address never changes, so the array-interface description and the config are built once and each call
/// only fills <see cref="Input"/> and reads the scores, with no allocation. Not thread-safe: one per thread or under a lock.
/// Tree boosters use XGBoosterPredictFromDense; the linear booster (which has no in-place path in 1.7) uses a small DMatrix.
/// </summary>
public sealed unsafe class DenseScorer : IDisposable
{
    private readonly Booster _booster;
    private readonly float* _buffer;
    private readonly int _maxRows;
    private readonly byte[][] _interfaces;
    private readonly byte[] _config;
    private readonly bool _inplace;
    private bool _disposed;

    /// <summary>Creates a scorer for up to <paramref name="maxRows"/> rows of <paramref name="columns"/> features.</summary>
    /// <param name="booster">The trained model; it must outlive the scorer.</param>
    /// <param name="columns">Features per row.</param>
    /// <param name="maxRows">Largest batch scored at once.</param>
    /// <param name="inplace">False for gblinear models, which 1.7 cannot predict in place.</param>
    public DenseScorer(Booster booster, int columns, int maxRows = 1, bool inplace = true)
    {
        if (columns < 1 || maxRows < 1) throw new ArgumentOutOfRangeException(nameof(columns), "A scorer needs at least one column and one row.");
        _booster = booster;
        Columns = columns;
        _maxRows = maxRows;
        _inplace = inplace;
        _buffer = (float*)NativeMemory.AlignedAlloc((nuint)(columns * maxRows * sizeof(float)), 64);
        var address = (ulong)(nint)_buffer;
        _interfaces = new byte[maxRows + 1][];
        for (var r = 1; r <= maxRows; r++)
            _interfaces[r] = Booster.Utf8Z($"{{\"data\":[{address},true],\"shape\":[{r},{columns}],\"strides\":null,\"typestr\":\"<f4\",\"version\":3}}");
        _config = Booster.Utf8Z("{\"type\":0,\"training\":false,\"iteration_begin\":0,\"iteration_end\":0,\"strict_shape\":false,\"missing\":NaN,\"cache_id\":0}");
    }

    /// <summary>Features per row.</summary>
    public int Columns { get; }

    /// <summary>The input rows (row-major); write features here (NaN = missing), then call <see cref="Score"/>.</summary>
    public Span<float> Input => new(_buffer, Columns * _maxRows);

    /// <summary>Scores the first <paramref name="rows"/> rows of <see cref="Input"/>. The span is valid until the next call.</summary>
    public ReadOnlySpan<float> Score(int rows = 1)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (rows < 1 || rows > _maxRows) throw new ArgumentOutOfRangeException(nameof(rows), $"Between 1 and {_maxRows} rows.");
        if (!_inplace) return ScoreThroughDMatrix(rows);
        fixed (byte* values = _interfaces[rows])
        fixed (byte* config = _config)
        {
            XgbNative.Check(XgbNative.XGBoosterPredictFromDense(_booster.Handle, values, config, IntPtr.Zero, out var shape, out var dim, out var result), "XGBoosterPredictFromDense");
            long count = 1;
            for (ulong i = 0; i < dim; i++) count *= (long)shape[i];
            return new ReadOnlySpan<float>(result, checked((int)count));
        }
    }

    private ReadOnlySpan<float> ScoreThroughDMatrix(int rows)
    {
        using var matrix = DMatrix.FromDense(new ReadOnlySpan<float>(_buffer, rows * Columns), rows, Columns, threads: 1);
        return _booster.Predict(matrix);
    }

    /// <summary>Describes the JSON built for XGBoost (diagnostics).</summary>
    public override string ToString() => Encoding.UTF8.GetString(_interfaces[1].AsSpan(0, _interfaces[1].Length - 1));

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        NativeMemory.AlignedFree(_buffer);
    }
}
