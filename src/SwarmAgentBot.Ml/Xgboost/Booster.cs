using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace SwarmAgentBot.Ml.Xgboost;

/// <summary>
/// An XGBoost model: trained round by round, used for prediction, saved and loaded as JSON.
/// Training calls on one instance must not run concurrently; <see cref="Predict"/> is safe to call
/// from several threads (XGBoost 1.7 guards its prediction cache), but callers usually keep one per thread.
/// </summary>
public sealed class Booster : IDisposable
{
    private static readonly byte[] NormalPredictConfig = Utf8Z("{\"type\":0,\"training\":false,\"iteration_begin\":0,\"iteration_end\":0,\"strict_shape\":false}");
    private static readonly byte[] MarginPredictConfig = Utf8Z("{\"type\":1,\"training\":false,\"iteration_begin\":0,\"iteration_end\":0,\"strict_shape\":false}");
    private static readonly byte[] DensePredictConfig = Utf8Z("{\"type\":0,\"training\":false,\"iteration_begin\":0,\"iteration_end\":0,\"strict_shape\":false,\"cache_id\":0,\"missing\":NaN}");

    private Booster(BoosterHandle handle) => Handle = handle;

    /// <summary>The native handle.</summary>
    public BoosterHandle Handle { get; }

    /// <summary>Creates a booster with parameters (e.g. objective, eta, max_depth, nthread) that caches the given matrices.</summary>
    public static Booster Create(IEnumerable<KeyValuePair<string, string>> parameters, params DMatrix[] cache)
    {
        var handles = cache.Select(m => m.Handle.DangerousGetHandle()).ToArray();
        XgbNative.Check(XgbNative.XGBoosterCreate(handles, (ulong)handles.Length, out var raw), "XGBoosterCreate");
        GC.KeepAlive(cache);
        var booster = new Booster(new BoosterHandle(raw));
        try
        {
            foreach (var (name, value) in parameters) booster.SetParameter(name, value);
        }
        catch
        {
            booster.Dispose();
            throw;
        }
        return booster;
    }

    /// <summary>Loads a model saved by <see cref="SaveModel"/> (JSON or UBJSON) or by python's <c>save_model</c>.</summary>
    public static unsafe Booster Load(ReadOnlySpan<byte> model)
    {
        XgbNative.Check(XgbNative.XGBoosterCreate([], 0, out var raw), "XGBoosterCreate");
        var booster = new Booster(new BoosterHandle(raw));
        try
        {
            fixed (byte* p = model)
                XgbNative.Check(XgbNative.XGBoosterLoadModelFromBuffer(booster.Handle, p, (ulong)model.Length), "XGBoosterLoadModelFromBuffer");
        }
        catch
        {
            booster.Dispose();
            throw;
        }
        return booster;
    }

    /// <summary>Loads a model file (.json or .ubj).</summary>
    public static Booster LoadFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No model file at {path}.", path);
        XgbNative.Check(XgbNative.XGBoosterCreate([], 0, out var raw), "XGBoosterCreate");
        var booster = new Booster(new BoosterHandle(raw));
        try
        {
            XgbNative.Check(XgbNative.XGBoosterLoadModel(booster.Handle, path), "XGBoosterLoadModel");
        }
        catch
        {
            booster.Dispose();
            throw;
        }
        return booster;
    }

    /// <summary>Sets one parameter (XGBoost validates it lazily, at the next training or prediction call).</summary>
    public void SetParameter(string name, string value) =>
        XgbNative.Check(XgbNative.XGBoosterSetParam(Handle, name, value), $"XGBoosterSetParam({name}={value})");

    /// <summary>Runs one boosting round on <paramref name="train"/>.</summary>
    public void UpdateOneIteration(int iteration, DMatrix train) =>
        XgbNative.Check(XgbNative.XGBoosterUpdateOneIter(Handle, iteration, train.Handle), "XGBoosterUpdateOneIter");

    /// <summary>Evaluates the configured eval_metric(s) on named matrices; returns XGBoost's line, e.g. "[3]\tvalid-logloss:0.21".</summary>
    public string Evaluate(int iteration, params (DMatrix Data, string Name)[] sets)
    {
        var handles = sets.Select(s => s.Data.Handle.DangerousGetHandle()).ToArray();
        var names = sets.Select(s => Marshal.StringToCoTaskMemUTF8(s.Name)).ToArray();
        try
        {
            XgbNative.Check(XgbNative.XGBoosterEvalOneIter(Handle, iteration, handles, names, (ulong)sets.Length, out var result), "XGBoosterEvalOneIter");
            return Marshal.PtrToStringUTF8(result) ?? "";
        }
        finally
        {
            foreach (var n in names) Marshal.FreeCoTaskMem(n);
            GC.KeepAlive(sets);
        }
    }

    /// <summary>Number of boosting rounds in the model.</summary>
    public int BoostedRounds
    {
        get
        {
            XgbNative.Check(XgbNative.XGBoosterBoostedRounds(Handle, out var rounds), "XGBoosterBoostedRounds");
            return rounds;
        }
    }

    /// <summary>Number of features the model expects.</summary>
    public int FeatureCount
    {
        get
        {
            XgbNative.Check(XgbNative.XGBoosterGetNumFeature(Handle, out var n), "XGBoosterGetNumFeature");
            return checked((int)n);
        }
    }

    /// <summary>A new booster with rounds [<paramref name="begin"/>, <paramref name="end"/>) only (e.g. to keep the best iteration).</summary>
    public Booster Slice(int begin, int end)
    {
        XgbNative.Check(XgbNative.XGBoosterSlice(Handle, begin, end, 1, out var raw), "XGBoosterSlice");
        return new Booster(new BoosterHandle(raw));
    }

    /// <summary>
    /// Predicts every row of <paramref name="data"/>. Returns rows × k values: k = 1 for regression and binary
    /// (probability of class 1), k = classes for multi:softprob.
    /// </summary>
    /// <param name="data">Rows to score.</param>
    /// <param name="outputMargin">Raw margins instead of probabilities.</param>
    /// <param name="iterationEnd">Use rounds [0, iterationEnd) only (0 = all), e.g. the best iteration after early stopping.</param>
    public unsafe float[] Predict(DMatrix data, bool outputMargin = false, int iterationEnd = 0)
    {
        var config = iterationEnd == 0
            ? (outputMargin ? MarginPredictConfig : NormalPredictConfig)
            : Utf8Z($"{{\"type\":{(outputMargin ? 1 : 0)},\"training\":false,\"iteration_begin\":0,\"iteration_end\":{iterationEnd},\"strict_shape\":false}}");
        fixed (byte* c = config)
        {
            XgbNative.Check(XgbNative.XGBoosterPredictFromDMatrix(Handle, data.Handle, c, out var shape, out var dim, out var result), "XGBoosterPredictFromDMatrix");
            long count = 1;
            for (ulong i = 0; i < dim; i++) count *= (long)shape[i];
            return new ReadOnlySpan<float>(result, checked((int)count)).ToArray();
        }
    }

    /// <summary>
    /// Predicts a dense row-major matrix in place (no DMatrix copy): what serving a batch needs. Tree boosters only;
    /// XGBoost 1.7 has no in-place path for gblinear (use <see cref="Predict(DMatrix, bool, int)"/> there).
    /// </summary>
    /// <param name="values">rows × columns values, NaN = missing.</param>
    /// <param name="rows">Row count (at least 1).</param>
    /// <param name="columns">Features per row.</param>
    public unsafe float[] PredictDense(ReadOnlySpan<float> values, int rows, int columns)
    {
        if (rows < 1 || columns < 1 || values.Length < (long)rows * columns) throw new ArgumentException($"Expected {rows}×{columns} values, got {values.Length}.", nameof(values));
        fixed (float* data = values)
        {
            // The array interface carries the (pinned) address, so it is built per call.
            var arrayInterface = Utf8Z($"{{\"data\":[{(ulong)(nint)data},true],\"shape\":[{rows},{columns}],\"strides\":null,\"typestr\":\"<f4\",\"version\":3}}");
            fixed (byte* a = arrayInterface)
            fixed (byte* c = DensePredictConfig)
            {
                XgbNative.Check(XgbNative.XGBoosterPredictFromDense(Handle, a, c, IntPtr.Zero, out var shape, out var dim, out var result), "XGBoosterPredictFromDense");
                long count = 1;
                for (ulong i = 0; i < dim; i++) count *= (long)shape[i];
                return new ReadOnlySpan<float>(result, checked((int)count)).ToArray();
            }
        }
    }

    /// <summary>Saves the model to bytes; <paramref name="format"/> is "json" (default) or "ubj".</summary>
    public unsafe byte[] SaveModel(string format = "json")
    {
        var config = Utf8Z($"{{\"format\":\"{format}\"}}");
        fixed (byte* c = config)
        {
            XgbNative.Check(XgbNative.XGBoosterSaveModelToBuffer(Handle, c, out var len, out var data), "XGBoosterSaveModelToBuffer");
            return new ReadOnlySpan<byte>(data, checked((int)len)).ToArray();
        }
    }

    /// <summary>Saves the model to a file; the extension (.json or .ubj) picks the format.</summary>
    public void SaveModelFile(string path) => XgbNative.Check(XgbNative.XGBoosterSaveModel(Handle, path), "XGBoosterSaveModel");

    /// <summary>The booster's full configuration as XGBoost's JSON (parameters as trained).</summary>
    public unsafe string SaveJsonConfig()
    {
        XgbNative.Check(XgbNative.XGBoosterSaveJsonConfig(Handle, out var len, out var data), "XGBoosterSaveJsonConfig");
        return Encoding.UTF8.GetString(data, checked((int)len));
    }

    /// <summary>
    /// Feature scores by XGBoost's importance type ("gain", "total_gain", "weight", "cover", "total_cover"; linear models
    /// only know "weight", where the absolute coefficients are summed over classes). Keys are the given feature names
    /// (or f0, f1, ...); features never used are absent.
    /// </summary>
    public unsafe IReadOnlyDictionary<string, double> FeatureScores(string importanceType = "gain", IReadOnlyList<string>? featureNames = null)
    {
        var config = new Dictionary<string, object> { ["importance_type"] = importanceType };
        if (featureNames is not null) config["feature_names"] = featureNames;
        var json = Utf8Z(JsonSerializer.Serialize(config));
        fixed (byte* c = json)
        {
            XgbNative.Check(XgbNative.XGBoosterFeatureScore(Handle, c, out var nFeatures, out var features, out var dim, out var shape, out var scores), "XGBoosterFeatureScore");
            var perFeature = dim >= 2 ? (long)shape[1] : 1;
            var result = new Dictionary<string, double>(StringComparer.Ordinal);
            for (ulong i = 0; i < nFeatures; i++)
            {
                var name = Marshal.PtrToStringUTF8(features[i]) ?? $"f{i}";
                double total = 0;
                for (long k = 0; k < perFeature; k++) total += Math.Abs(scores[(long)i * perFeature + k]);
                result[name] = total;
            }
            return result;
        }
    }

    /// <summary>XGBoost's version, e.g. (1, 7, 4).</summary>
    public static (int Major, int Minor, int Patch) NativeVersion()
    {
        XgbNative.XGBoostVersion(out var major, out var minor, out var patch);
        return (major, minor, patch);
    }

    internal static byte[] Utf8Z(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    /// <inheritdoc />
    public void Dispose() => Handle.Dispose();
}
