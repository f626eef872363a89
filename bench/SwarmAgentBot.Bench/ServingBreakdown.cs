using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Ml.AutoMl;

namespace SwarmAgentBot.Bench;

/// <summary>
/// Where the time of one batch predict goes, step by step, in this process with the served model and the
/// bench's own request body: CPU time and bytes allocated per step (median of 5), so the figures hold on a busy machine.
/// </summary>
internal static class ServingBreakdown
{
    private const int ProcessCpuClock = 2; // CLOCK_PROCESS_CPUTIME_ID: nanosecond CPU time of all threads (Process.TotalProcessorTime ticks in 10 ms)

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static double ProcessCpuMs() => ClockGetTime(ProcessCpuClock, out var t) == 0 ? t.Seconds * 1e3 + t.Nanoseconds / 1e6 : double.NaN;

    public static async Task PrintAsync(string bundlePath, byte[] body, CancellationToken cancellationToken)
    {
        var bundle = await ModelBundle.LoadAsync(bundlePath, cancellationToken);
        using var predictor = Predictor.Create(bundle, batchThreads: 1);
        // The same members through XGBoost alone, to show what the managed scorers change.
        using var xgboost = Predictor.Create(bundle, batchThreads: 1, managedScoring: false);
        var dataDir = Path.Combine(Path.GetTempPath(), "swarm-bench-log-" + Guid.NewGuid().ToString("N")[..8]);
        var database = new SwarmDatabase(Microsoft.Extensions.Options.Options.Create(new SwarmOptions { DataDir = dataDir }),
            CoreMigrations.All.Concat(RegistryMigrations.All), NullLogger<SwarmDatabase>.Instance);
        var steps = new Dictionary<string, List<(double CpuMs, long Bytes)>>();
        try
        {
            await using var log = new PredictionLog(database, TimeProvider.System);
            await log.FlushAsync(cancellationToken);
            var encoder = predictor.Bundle.Preparation.JsonRecords;
            for (var rep = 0; rep < 6; rep++)
            {
                var request = Measure("parse body (locate records)", () => PredictionRequest.Parse(body, int.MaxValue));
                var features = new float[request.Count * encoder.FeatureCount];
                Measure("preparation (JSON → feature rows)", () =>
                {
                    for (var i = 0; i < request.Count; i++)
                        if (encoder.Encode(request.Record(i).Span, features.AsSpan(i * encoder.FeatureCount, encoder.FeatureCount)) is { } error) throw error;
                    return 0;
                });
                var predictions = Measure("predict (batch: xgboost in place)", () => predictor.PredictPrepared(features, request.Count));
                Measure($"single row ×1000 ({predictor.ManagedMembers}/{bundle.AllMembers.Count} members managed)", () => SingleRows(predictor, features, encoder.FeatureCount));
                Measure("single row ×1000 (xgboost in place)", () => SingleRows(xgboost, features, encoder.FeatureCount));
                var ids = Measure("prediction ids", () => new PredictionIds(PredictionLog.NewCallId(DateTimeOffset.UtcNow), predictions.Length));
                Measure("response JSON", () =>
                {
                    var buffer = new System.Buffers.ArrayBufferWriter<byte>(1 << 20);
                    using var json = new Utf8JsonWriter(buffer);
                    json.WriteStartArray();
                    var id = new char[64];
                    for (var i = 0; i < predictions.Length; i++)
                    {
                        json.WriteStartObject();
                        ModelServer.WritePrediction(json, predictions[i], predictor.ClassLabels, asObject: false);
                        ids.TryFormat(i, id, out var written);
                        json.WriteString("id"u8, id.AsSpan(0, written));
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                    json.Flush();
                    return buffer.WrittenCount;
                });
                await MeasureAsync("prediction log (background writer)", async () =>
                {
                    await log.EnqueueAsync(new PendingPredictions("churn-model", 1, null, DateTimeOffset.UtcNow.ToString("O"), ids.CallId, request.Record, predictions, predictor.ClassLabels), cancellationToken);
                    await log.FlushAsync(cancellationToken);
                });
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dataDir, true); } catch (IOException) { }
        }

        Console.WriteLine($"breakdown of one {body.Length / 1024:N0} KB batch in process (CPU ms and allocated KB, median of 5):");
        foreach (var (step, runs) in steps)
        {
            var kept = runs.Skip(1).ToList(); // the first run warms the JIT
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {step,-40} {Percentiles.Of(kept.Select(r => r.CpuMs).ToList(), 50),8:F2} ms {Percentiles.Of(kept.Select(r => (double)r.Bytes / 1024).ToList(), 50),10:N0} KB"));
        }

        static int SingleRows(Predictor p, float[] features, int width)
        {
            for (var i = 0; i < 1000; i++) p.PredictPrepared(features.AsSpan(i * width, width), 1);
            return 1000;
        }

        T Measure<T>(string step, Func<T> run)
        {
            var (cpu, bytes) = Start();
            var result = run();
            Stop(step, cpu, bytes);
            return result;
        }

        async Task MeasureAsync(string step, Func<Task> run)
        {
            var (cpu, bytes) = Start();
            await run();
            Stop(step, cpu, bytes);
        }

        static (double CpuMs, long Bytes) Start() => (ProcessCpuMs(), GC.GetTotalAllocatedBytes(precise: true));

        void Stop(string step, double cpu, long bytes)
        {
            var spent = ProcessCpuMs() - cpu;
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - bytes;
            if (!steps.TryGetValue(step, out var runs)) steps[step] = runs = [];
            runs.Add((spent, allocated));
        }
    }
}
