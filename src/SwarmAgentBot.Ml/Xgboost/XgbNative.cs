using System.Runtime.InteropServices;

namespace SwarmAgentBot.Ml.Xgboost;

/// <summary>
/// The XGBoost 1.7 C API entry points we use (Debian's libxgboost0). Every call returns 0 on success
/// and -1 on failure; <see cref="Check"/> turns a failure into an <see cref="XgboostException"/>
/// carrying XGBGetLastError's text.
/// </summary>
internal static class XgbNative
{
    private const string Library = "libxgboost.so.0";

    [DllImport(Library)] public static extern IntPtr XGBGetLastError();
    [DllImport(Library)] public static extern void XGBoostVersion(out int major, out int minor, out int patch);
    [DllImport(Library)] public static extern int XGBSetGlobalConfig([MarshalAs(UnmanagedType.LPUTF8Str)] string config);

    [DllImport(Library)] public static extern unsafe int XGDMatrixCreateFromMat(float* data, ulong nrow, ulong ncol, float missing, out IntPtr handle);
    [DllImport(Library)] public static extern unsafe int XGDMatrixCreateFromMat_omp(float* data, ulong nrow, ulong ncol, float missing, out IntPtr handle, int nthread);
    [DllImport(Library)] public static extern int XGDMatrixFree(IntPtr handle);
    [DllImport(Library)] public static extern unsafe int XGDMatrixSetFloatInfo(DMatrixHandle handle, [MarshalAs(UnmanagedType.LPUTF8Str)] string field, float* array, ulong len);
    [DllImport(Library)] public static extern int XGDMatrixNumRow(DMatrixHandle handle, out ulong rows);
    [DllImport(Library)] public static extern int XGDMatrixNumCol(DMatrixHandle handle, out ulong cols);
    [DllImport(Library)] public static extern unsafe int XGDMatrixSliceDMatrixEx(DMatrixHandle handle, int* indices, ulong len, out IntPtr result, int allowGroups);

    [DllImport(Library)] public static extern int XGBoosterCreate(IntPtr[] dmats, ulong len, out IntPtr handle);
    [DllImport(Library)] public static extern int XGBoosterFree(IntPtr handle);
    [DllImport(Library)] public static extern int XGBoosterSetParam(BoosterHandle handle, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value);
    [DllImport(Library)] public static extern int XGBoosterUpdateOneIter(BoosterHandle handle, int iteration, DMatrixHandle train);
    [DllImport(Library)] public static extern int XGBoosterBoostedRounds(BoosterHandle handle, out int rounds);
    [DllImport(Library)] public static extern int XGBoosterGetNumFeature(BoosterHandle handle, out ulong features);
    [DllImport(Library)] public static extern int XGBoosterSlice(BoosterHandle handle, int begin, int end, int step, out IntPtr result);
    [DllImport(Library)] public static extern int XGBoosterEvalOneIter(BoosterHandle handle, int iteration, IntPtr[] dmats, IntPtr[] names, ulong len, out IntPtr result);

    [DllImport(Library)] public static extern unsafe int XGBoosterPredictFromDMatrix(BoosterHandle handle, DMatrixHandle dmat, byte* config, out ulong* shape, out ulong dim, out float* result);
    [DllImport(Library)] public static extern unsafe int XGBoosterPredictFromDense(BoosterHandle handle, byte* values, byte* config, IntPtr proxy, out ulong* shape, out ulong dim, out float* result);

    [DllImport(Library)] public static extern unsafe int XGBoosterLoadModelFromBuffer(BoosterHandle handle, byte* buffer, ulong len);
    [DllImport(Library)] public static extern unsafe int XGBoosterSaveModelToBuffer(BoosterHandle handle, byte* config, out ulong len, out byte* data);
    [DllImport(Library)] public static extern int XGBoosterSaveModel(BoosterHandle handle, [MarshalAs(UnmanagedType.LPUTF8Str)] string path);
    [DllImport(Library)] public static extern int XGBoosterLoadModel(BoosterHandle handle, [MarshalAs(UnmanagedType.LPUTF8Str)] string path);
    [DllImport(Library)] public static extern unsafe int XGBoosterSaveJsonConfig(BoosterHandle handle, out ulong len, out byte* data);
    [DllImport(Library)] public static extern unsafe int XGBoosterFeatureScore(BoosterHandle handle, byte* config, out ulong nFeatures, out IntPtr* features, out ulong dim, out ulong* shape, out float* scores);

    /// <summary>Throws an <see cref="XgboostException"/> with XGBoost's own message when a call failed.</summary>
    public static void Check(int code, string operation)
    {
        if (code == 0) return;
        var message = Marshal.PtrToStringUTF8(XGBGetLastError());
        throw new XgboostException(operation, string.IsNullOrWhiteSpace(message) ? "(XGBoost gave no message)" : message.Trim());
    }
}

/// <summary>Owns a native DMatrix handle; freed exactly once, even if the owner forgets to dispose.</summary>
public sealed class DMatrixHandle : SafeHandle
{
    /// <summary>Creates an empty (invalid) handle; the marshaller and factory methods fill it.</summary>
    public DMatrixHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal DMatrixHandle(IntPtr handle) : this() => SetHandle(handle);

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc />
    protected override bool ReleaseHandle() => XgbNative.XGDMatrixFree(handle) == 0;
}

/// <summary>Owns a native Booster handle; freed exactly once.</summary>
public sealed class BoosterHandle : SafeHandle
{
    /// <summary>Creates an empty (invalid) handle; factory methods fill it.</summary>
    public BoosterHandle() : base(IntPtr.Zero, ownsHandle: true) { }

    internal BoosterHandle(IntPtr handle) : this() => SetHandle(handle);

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc />
    protected override bool ReleaseHandle() => XgbNative.XGBoosterFree(handle) == 0;
}
