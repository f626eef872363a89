using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SwarmAgentBot.Ml.Profiling;

namespace SwarmAgentBot.Bench;

/// <summary>
/// `profile`: one streaming profile of a generated 1,000,000 × 20 CSV (numbers, categories, dates,
/// quoted text, missing values) against pandas read_csv + describe(include='all'). Each side runs in
/// its own process so peak memory is its own.
/// </summary>
public sealed class ProfileBenchmark : IBenchmark
{
    private const int DefaultRows = 1_000_000;

    /// <inheritdoc />
    public string Name => "profile";

    /// <inheritdoc />
    public string Description => "CSV profiling (1M rows x 20 columns): rows/s and peak memory vs pandas";

    /// <inheritdoc />
    public async Task<int> RunAsync(string[] args, BenchEnvironment env, CancellationToken cancellationToken)
    {
        // Child mode: profile one file and print figures (peak memory must be this process's alone).
        if (args.Length == 2 && args[0] == "--scan") return await ScanAsync(args[1], cancellationToken);

        var rows = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var r) ? r : DefaultRows;
        var path = Path.Combine(env.OutDir, $"profile_{rows}x20.csv");
        if (!File.Exists(path))
        {
            Console.WriteLine($"Generating {path} ({rows:N0} rows x 20 columns, seed 20240601)...");
            var sw = Stopwatch.StartNew();
            GenerateCsv(path, rows, 20240601);
            Console.WriteLine($"  {new FileInfo(path).Length / 1048576.0:F1} MiB in {sw.Elapsed.TotalSeconds:F1} s");
        }

        var ours = await RunChildAsync("dotnet", [typeof(ProfileBenchmark).Assembly.Location, "profile", "--scan", path], cancellationToken);
        var peerScript = Path.Combine(env.RepoRoot, "bench", "peers", "profile_pandas.py");
        var peer = File.Exists(env.Python) ? await RunChildAsync(env.Python, [peerScript, path], cancellationToken) : null;

        Console.WriteLine();
        Console.WriteLine($"{"tool",-34} {"rows",10} {"seconds",9} {"cpu s",7} {"rows/s",12} {"peak MB",9}");
        Print("SwarmAgentBot CsvProfiler (1 pass)", ours);
        if (peer is null) Console.WriteLine($"pandas: {env.Python} not found");
        else Print("pandas read_csv+describe(all)", peer);
        if (ours is not null && peer is not null)
        {
            var speedup = ours.Value.GetProperty("rows_per_s").GetDouble() / peer.Value.GetProperty("rows_per_s").GetDouble();
            var memory = peer.Value.GetProperty("peak_rss_mb").GetDouble() / ours.Value.GetProperty("peak_rss_mb").GetDouble();
            var cpu = peer.Value.GetProperty("cpu_seconds").GetDouble() / ours.Value.GetProperty("cpu_seconds").GetDouble();
            Console.WriteLine($"\nSwarmAgentBot: {speedup:F2}x pandas' rows/s (wall clock), {cpu:F2}x less CPU time, {memory:F2}x less peak memory.");
            Console.WriteLine("The machine is shared: CPU seconds are the steadier comparison when it is busy.");
        }
        return ours is null ? 1 : 0;
    }

    private static void Print(string name, JsonElement? figures)
    {
        if (figures is not { } f) { Console.WriteLine($"{name,-34} failed"); return; }
        Console.WriteLine($"{name,-34} {f.GetProperty("rows").GetInt64(),10:N0} {f.GetProperty("seconds").GetDouble(),9:F2} {f.GetProperty("cpu_seconds").GetDouble(),7:F2} {f.GetProperty("rows_per_s").GetDouble(),12:N0} {f.GetProperty("peak_rss_mb").GetDouble(),9:F1}");
    }

    private static async Task<int> ScanAsync(string path, CancellationToken cancellationToken)
    {
        using var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var profile = await CsvProfiler.ProfileFileAsync(path, cancellationToken: cancellationToken);
        sw.Stop();
        self.Refresh();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            rows = profile.Rows,
            columns = profile.Columns.Count,
            seconds = Math.Round(sw.Elapsed.TotalSeconds, 3),
            cpu_seconds = Math.Round((self.TotalProcessorTime - cpuBefore).TotalSeconds, 3),
            rows_per_s = Math.Round(profile.Rows / sw.Elapsed.TotalSeconds),
            peak_rss_mb = Math.Round(self.PeakWorkingSet64 / 1048576.0, 1),
            allocated_mb = Math.Round(GC.GetTotalAllocatedBytes() / 1048576.0, 1),
            gc_heap_mb = Math.Round(GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0, 1),
        }));
        return 0;
    }

    private static async Task<JsonElement?> RunChildAsync(string file, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var line = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
        if (process.ExitCode != 0 || line is null)
        {
            Console.Error.WriteLine($"{file} failed ({process.ExitCode}): {await error}");
            return null;
        }
        Console.WriteLine($"  {Path.GetFileName(file)}: {line}");
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    /// <summary>
    /// Writes the benchmark CSV: an id, 8 floats and 3 integers (some missing), 5 categories of
    /// growing cardinality, a yes/no flag, a date and a text column that is sometimes quoted.
    /// </summary>
    internal static void GenerateCsv(string path, int rows, ulong seed)
    {
        var random = new SplitMix(seed);
        string[] regions = ["north", "south", "east"];
        string[] plans = ["basic", "standard", "plus", "premium", "enterprise"];
        var channels = Enumerable.Range(0, 10).Select(i => "channel_" + i).ToArray();
        var cities = Enumerable.Range(0, 50).Select(i => "city_" + i.ToString("D2", CultureInfo.InvariantCulture)).ToArray();
        var products = Enumerable.Range(0, 1000).Select(i => "sku-" + i.ToString("D4", CultureInfo.InvariantCulture)).ToArray();
        string[] words = ["late delivery", "great service", "price, too high", "said \"fine\"", "no comment", "billing issue"];

        var temp = path + ".part";
        using (var writer = new StreamWriter(temp, false, new UTF8Encoding(false), 1 << 20))
        {
            writer.Write("id,f1,f2,f3,f4,f5,f6,f7,f8,i1,i2,i3,region,plan,channel,city,product,active,signup_date,comment\n");
            var day0 = new DateOnly(2020, 1, 1);
            Span<char> number = stackalloc char[32];
            for (var row = 0; row < rows; row++)
            {
                writer.Write(row + 1);
                for (var f = 0; f < 8; f++)
                {
                    writer.Write(',');
                    if (random.Next(100) < 3 + f) continue; // 3..10 % missing
                    var value = random.Normal() * (10 + f * 25) + f * 100;
                    value.TryFormat(number, out var written, "0.###", CultureInfo.InvariantCulture);
                    writer.Write(number[..written]);
                }
                for (var i = 0; i < 3; i++)
                {
                    writer.Write(',');
                    if (i == 2 && random.Next(100) < 5) continue;
                    writer.Write(random.Next(i == 0 ? 10 : i == 1 ? 100 : 100_000));
                }
                writer.Write(',');
                writer.Write(regions[random.Next(regions.Length)]);
                writer.Write(',');
                writer.Write(plans[Math.Min(random.Next(6), 4)]);
                writer.Write(',');
                if (random.Next(100) >= 4) writer.Write(channels[random.Next(channels.Length)]);
                writer.Write(',');
                writer.Write(cities[random.Next(cities.Length)]);
                writer.Write(',');
                writer.Write(products[random.Next(products.Length)]);
                writer.Write(',');
                writer.Write(random.Next(3) == 0 ? "no" : "yes");
                writer.Write(',');
                writer.Write(day0.AddDays(random.Next(1500)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                writer.Write(',');
                var word = words[random.Next(words.Length)];
                if (word.Contains(',') || word.Contains('"')) writer.Write("\"" + word.Replace("\"", "\"\"") + "\"");
                else writer.Write(word);
                writer.Write('\n');
            }
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>A small deterministic generator (SplitMix64), so the file is the same on every machine.</summary>
    private sealed class SplitMix(ulong state)
    {
        private ulong _state = state;

        public ulong NextUInt64()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public int Next(int max) => (int)(NextUInt64() % (ulong)max);

        public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

        public double Normal()
        {
            // Box–Muller; one value per call keeps the sequence simple.
            var u1 = 1.0 - NextDouble();
            var u2 = NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }
    }
}
