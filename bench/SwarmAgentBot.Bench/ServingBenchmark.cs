using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SwarmAgentBot.Bench;

/// <summary>
/// Serving on the host: single-record and 10,000-row batch predictions over HTTP against a model
/// trained and registered by the shipped train-and-register pipeline, next to python xgboost
/// predicting with the same model.json (no HTTP, no feature preparation: the floor we compare with).
/// </summary>
public sealed class ServingBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "serving";

    /// <inheritdoc />
    public string Description => "POST /models/{name}/versions/{n}/predict: single-record p99 (goal < 2 ms) and a 10,000-row batch (goal < 100 ms) vs python xgboost";

    /// <inheritdoc />
    public async Task<int> RunAsync(string[] args, BenchEnvironment env, CancellationToken cancellationToken)
    {
        // Timings on a shared machine mean little without its load beside them.
        static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
        var loadAtStart = Load();
        var calls = 2000;
        var batchRows = 10_000;
        await using var host = await BenchHost.StartAsync(env, runtimeStats: true, cancellationToken: cancellationToken);
        var swarm = Path.Combine(AppContext.BaseDirectory, "swarm.dll");
        async Task Cli(params string[] a)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = env.RepoRoot };
            psi.ArgumentList.Add(swarm);
            foreach (var x in a) psi.ArgumentList.Add(x);
            psi.Environment["Swarm__DataDir"] = host.DataDir;
            using var p = Process.Start(psi)!;
            var output = await p.StandardOutput.ReadToEndAsync(cancellationToken) + await p.StandardError.ReadToEndAsync(cancellationToken);
            await p.WaitForExitAsync(cancellationToken);
            if (p.ExitCode != 0) throw new InvalidOperationException($"swarm {string.Join(' ', a)} failed: {output}");
        }
        await Cli("seed");
        await Cli("pipelines", "run", "train-and-register", "--param", "dataset=churn", "--param", "target=churn", "--param", "budget_s=20", "--wait", "--json");

        using var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        var rows = File.ReadAllLines(Path.Combine(env.RepoRoot, "demo", "churn.csv"));
        var header = rows[0].Split(',');
        JsonObject Record(int i)
        {
            var cells = rows[1 + i % (rows.Length - 1)].Split(',');
            var o = new JsonObject();
            for (var c = 0; c < header.Length; c++)
                if (header[c] != "churn") o[header[c]] = double.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : cells[c];
            return o;
        }
        const string url = "/models/churn-model/versions/1/predict";
        string? lastId = null;
        async Task<double> Post(JsonObject body)
        {
            var sw = Stopwatch.StartNew();
            var response = await http.PostAsJsonAsync(url, body, cancellationToken);
            response.EnsureSuccessStatusCode();
            var elapsed = sw.Elapsed.TotalMilliseconds;
            lastId = (await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!["predictions"]!.AsArray()[^1]!["id"]!.ToString();
            return elapsed;
        }
        // Feedback waits for every prediction logged before it, so the host's CPU time after it includes writing the log.
        async Task<double> ServerCpuMs(TimeSpan since)
        {
            (await http.PostAsJsonAsync("/models/churn-model/feedback", new JsonObject { ["prediction_id"] = lastId, ["label"] = "no" }, cancellationToken)).EnsureSuccessStatusCode();
            return (host.ProcessorTime - since).TotalMilliseconds;
        }
        for (var i = 0; i < 100; i++) await Post(new JsonObject { ["record"] = Record(i) });
        await ServerCpuMs(TimeSpan.Zero);
        var single = new List<double>();
        var cpu = host.ProcessorTime;
        var runtimeBefore = await host.RuntimeStatsAsync(cancellationToken);
        for (var i = 0; i < calls; i++) single.Add(await Post(new JsonObject { ["record"] = Record(i) }));
        var singleCpu = await ServerCpuMs(cpu) / calls;
        var runtimeAfter = await host.RuntimeStatsAsync(cancellationToken);
        var batch = new JsonObject { ["records"] = new JsonArray(Enumerable.Range(0, batchRows).Select(i => (JsonNode)Record(i)).ToArray()) };
        var batches = new List<double>();
        // One batch first, as the single calls had their 100: the batch path's first run is JIT compilation, not serving.
        await Post(batch);
        await ServerCpuMs(TimeSpan.Zero);
        cpu = host.ProcessorTime;
        for (var i = 0; i < 5; i++) batches.Add(await Post(batch));
        var batchCpu = await ServerCpuMs(cpu) / 5;

        // What the client alone spends turning the batch into JSON (inside the batch time above, as for any client of the API).
        var serialise = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            using var content = JsonContent.Create(batch);
            await content.LoadIntoBufferAsync(cancellationToken);
            serialise.Add(sw.Elapsed.TotalMilliseconds);
        }

        // The same model files for the peer: the first member alone, and the whole bundle.
        var bundleDir = Path.Combine(env.OutDir, "serving-bundle");
        if (Directory.Exists(bundleDir)) Directory.Delete(bundleDir, recursive: true);
        ZipFile.ExtractToDirectory(Path.Combine(host.DataDir, "objects", "runs", "1", "bundle.zip"), bundleDir);
        var modelJson = Path.Combine(bundleDir, "model.json");
        var peer = Process.Start(new ProcessStartInfo(env.Python) { ArgumentList = { Path.Combine(env.RepoRoot, "bench", "peers", "serving_xgboost.py"), modelJson, calls.ToString(CultureInfo.InvariantCulture), batchRows.ToString(CultureInfo.InvariantCulture), bundleDir }, RedirectStandardOutput = true })!;
        var peerLine = await peer.StandardOutput.ReadToEndAsync(cancellationToken);
        await peer.WaitForExitAsync(cancellationToken);
        var p = JsonNode.Parse(peerLine.Trim().Split('\n')[^1])!;

        // The model AutoML picks within its budget varies with the machine's load: say which one was served.
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(bundleDir, "bundle.json")))!;
        var learners = manifest["Members"]?.AsArray().Select(m => m!["Learner"]!.ToString()).Distinct().ToList() is { Count: > 0 } names ? string.Join("+", names) : manifest["Learner"]!.ToString();
        Console.WriteLine($"Serving churn-model v1 ({p["features"]} prepared features; {p["members"]} member(s): {learners}), {calls} single-record calls and 5 batches of {batchRows:N0} rows");
        Console.WriteLine($"{"",-34} {"single p50 ms",14} {"single p99 ms",14} {"batch ms (median)",18}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"ours: HTTP + preparation + log",-34} {Percentiles.Of(single, 50),14:F3} {Percentiles.Of(single, 99),14:F3} {Percentiles.Of(batches, 50),18:F1}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"python xgboost, first member only",-34} {p["p50_ms"]!.GetValue<double>(),14:F3} {p["p99_ms"]!.GetValue<double>(),14:F3} {p["batch_ms"]!.GetValue<double>(),18:F1}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{$"python xgboost, bundle ({p["members"]} members)",-34} {p["bundle_p50_ms"]!.GetValue<double>(),14:F3} {p["bundle_p99_ms"]!.GetValue<double>(),14:F3} {p["bundle_batch_ms"]!.GetValue<double>(),18:F1}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"client JSON serialisation of the batch body (part of our batch time): {Percentiles.Of(serialise, 50):F1} ms median"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"host CPU (all threads, log writes included): {singleCpu:F3} ms per single call, {batchCpu:F1} ms per {batchRows:N0}-row batch"));
        Console.Write($"single calls ({calls:N0}, log writes included) — ");
        HostRuntimeStats.PrintWindow(runtimeBefore, runtimeAfter, calls, "call");
        if (!args.Contains("--http-only"))
            await ServingBreakdown.PrintAsync(Path.Combine(host.DataDir, "objects", "runs", "1", "bundle.zip"), JsonSerializer.SerializeToUtf8Bytes(batch), cancellationToken);
        Console.WriteLine($"load average (1, 5, 15 min) on {Environment.ProcessorCount} cores: {loadAtStart} at start, {Load()} at end");
        Console.WriteLine($"goals: single p99 < 2 ms → {(Percentiles.Of(single, 99) < 2 ? "met" : "NOT met")}; batch < 100 ms → {(Percentiles.Of(batches, 50) < 100 ? "met" : "NOT met")}");
        return 0;
    }
}
