namespace SwarmAgentBot.Ml.Xgboost;

/// <summary>
/// XGBoost's data matrix, built from a dense row-major float array in which NaN marks a missing value.
/// Labels and weights are set after creation. Dispose it (or let the finalizer of its handle free it).
/// </summary>
public sealed class DMatrix : IDisposable
{
    private DMatrix(DMatrixHandle handle, int rows, int columns)
    {
        Handle = handle;
        Rows = rows;
        Columns = columns;
    }

    /// <summary>The native handle (for the interop layer).</summary>
    public DMatrixHandle Handle { get; }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of feature columns.</summary>
    public int Columns { get; }

    /// <summary>Creates a matrix from <paramref name="values"/> (row-major, rows × columns); NaN is missing.</summary>
    /// <param name="values">Row-major values; length must be rows × columns.</param>
    /// <param name="rows">Row count (at least 1).</param>
    /// <param name="columns">Column count (at least 1).</param>
    /// <param name="threads">Threads XGBoost may use to ingest the data (0 = all cores).</param>
    public static unsafe DMatrix FromDense(ReadOnlySpan<float> values, int rows, int columns, int threads = 0)
    {
        if (rows < 1 || columns < 1) throw new ArgumentException($"A matrix needs at least one row and one column (got {rows}×{columns}).");
        if (values.Length != (long)rows * columns) throw new ArgumentException($"Expected {rows}×{columns} = {(long)rows * columns} values, got {values.Length}.", nameof(values));
        IntPtr raw;
        fixed (float* data = values)
            XgbNative.Check(XgbNative.XGDMatrixCreateFromMat_omp(data, (ulong)rows, (ulong)columns, float.NaN, out raw, threads), "XGDMatrixCreateFromMat");
        return new DMatrix(new DMatrixHandle(raw), rows, columns);
    }

    /// <summary>Sets the training labels (one per row; class index for classification).</summary>
    public void SetLabels(ReadOnlySpan<float> labels) => SetFloatInfo("label", labels);

    /// <summary>Sets per-row weights (one per row).</summary>
    public void SetWeights(ReadOnlySpan<float> weights) => SetFloatInfo("weight", weights);

    /// <summary>Returns a new matrix with the given rows (labels and weights come along).</summary>
    public unsafe DMatrix Slice(ReadOnlySpan<int> rowIndices)
    {
        IntPtr raw;
        fixed (int* indices = rowIndices)
            XgbNative.Check(XgbNative.XGDMatrixSliceDMatrixEx(Handle, indices, (ulong)rowIndices.Length, out raw, 0), "XGDMatrixSliceDMatrixEx");
        return new DMatrix(new DMatrixHandle(raw), rowIndices.Length, Columns);
    }

    private unsafe void SetFloatInfo(string field, ReadOnlySpan<float> values)
    {
        if (values.Length != Rows) throw new ArgumentException($"Expected {Rows} {field} values, got {values.Length}.", nameof(values));
        fixed (float* p = values)
            XgbNative.Check(XgbNative.XGDMatrixSetFloatInfo(Handle, field, p, (ulong)values.Length), "XGDMatrixSetFloatInfo(" + field + ")");
    }

    /// <inheritdoc />
    public void Dispose() => Handle.Dispose();
}
