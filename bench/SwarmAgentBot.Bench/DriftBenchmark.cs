using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using SwarmAgentBot.Ml.Drift;

namespace SwarmAgentBot.Bench;

/// <summary>
/// <c>./build.sh bench drift [speed|detect] [--rows 250000,500000,1000000] [--no-peers]</c>:
/// speed of the drift statistics next to scipy/numpy on the same generated data, and detection on real data
/// with known or documented drift (bike sharing, elec2, weather).
/// </summary>
public sealed class DriftBenchmark : IBenchmark
{
    private const int Features = 20;
    private const ulong Gamma = 0x9E3779B97F4A7C15UL;

    /// <inheritdoc />
    public string Name => "drift";

    /// <inheritdoc />
    public string Description => "drift statistics vs scipy (20 features x 250k-1M rows) and detection on bike sharing, elec2, weather";

    /// <inheritdoc />
    public async Task<int> RunAsync(string[] args, BenchEnvironment env, CancellationToken cancellationToken)
    {
        var rows = new[] { 250_000, 500_000, 1_000_000 };
        var rowsAt = Array.IndexOf(args, "--rows");
        if (rowsAt >= 0 && rowsAt + 1 < args.Length)
            rows = args[rowsAt + 1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var peers = !args.Contains("--no-peers");
        var all = !args.Contains("speed") && !args.Contains("detect");
        if (all || args.Contains("speed")) await SpeedAsync(rows, peers, env, cancellationToken);
        if (all || args.Contains("detect")) Detection(env);
        return 0;
    }

    // ---------------------------------------------------------------- speed

    private sealed record Timings(double Sort, double Ks, double Wasserstein, double Bins, double JensenShannon, double Psi)
    {
        public double Total => Sort + Ks + Wasserstein + Bins + JensenShannon + Psi;
    }

    private static async Task SpeedAsync(int[] sizes, bool peers, BenchEnvironment env, CancellationToken ct)
    {
        Console.WriteLine($"== drift statistics: {Features} numeric features, reference and current windows of equal size");
        Console.WriteLine("   per feature: KS statistic + p-value, Wasserstein normed by std(reference), Sturges bins, Jensen-Shannon, PSI");
        Console.WriteLine("   ours: sort each window once (radix sort), then linear passes; 1 thread, and features in parallel on all cores");
        Console.WriteLine("   peer: scipy 1.10 / numpy 1.24 (/usr/bin/python3 bench/peers/drift_peers.py), one feature after the other, as Evidently runs it");
        Console.WriteLine($"   cores: {Environment.ProcessorCount}; times are CPU seconds of the working thread (both sides), so a busy machine does not distort them;");
        Console.WriteLine("   wall-clock seconds are shown for the whole run; data generation is not timed");
        Console.WriteLine();

        // Warm up the JIT on a small size so the first measured size is not penalised.
        Measure(Generate(20_000), parallel: false, out _);

        var summary = new List<string[]>();
        foreach (var n in sizes)
        {
            var data = Generate(n);
            var wall = Stopwatch.StartNew();
            var single = Measure(data, parallel: false, out var ours);
            var singleWall = wall.Elapsed.TotalSeconds;
            wall.Restart();
            Measure(data, parallel: true, out _);
            var parallelSeconds = wall.Elapsed.TotalSeconds;

            var reference = new DriftTable(data.Select((d, f) => DriftColumn.Numeric($"f{f}", d.Reference)));
            var current = new DriftTable(data.Select((d, f) => DriftColumn.Numeric($"f{f}", d.Current)));
            wall.Restart();
            var report = new DriftDetector(new DriftOptions()).Compare(reference, current, cancellationToken: ct);
            var detectorSeconds = wall.Elapsed.TotalSeconds;

            PeerResult? peer = peers ? await RunPeerAsync(env, n, ct) : null;
            Console.WriteLine($"-- {n:N0} rows per window");
            Console.WriteLine($"   {"step (CPU s)",-16} {"ours 1 thread",16} {"scipy/numpy",14} {"speed-up",9}");
            void Line(string step, double mine, double? theirs) =>
                Console.WriteLine($"   {step,-16} {mine,16:0.000} {(theirs is { } t ? t.ToString("0.000", CultureInfo.InvariantCulture) : "-"),14} {(theirs is { } t2 ? (t2 / mine).ToString("0.0", CultureInfo.InvariantCulture) + "x" : "-"),9}");
            Line("sort (ours only)", single.Sort, null);
            Line("ks_2samp", single.Ks, peer?.Seconds["ks"]);
            Line("wasserstein", single.Wasserstein, peer?.Seconds["wasserstein"]);
            Line("sturges bins", single.Bins, peer?.Seconds["bins"]);
            Line("jensenshannon", single.JensenShannon, peer?.Seconds["jensenshannon"]);
            Line("psi", single.Psi, peer?.Seconds["psi"]);
            Line("total", single.Total, peer?.Seconds["total"]);
            Console.WriteLine($"   wall clock: ours 1 thread {singleWall:0.000} s, features in parallel {parallelSeconds:0.000} s, scipy {(peer is null ? "-" : peer.Seconds["wall"].ToString("0.000", CultureInfo.InvariantCulture))} s");
            Console.WriteLine($"   DriftDetector.Compare (default method per column + summaries, parallel): {detectorSeconds:0.000} s wall, {report.Dataset.ColumnsDrifted} of {report.Dataset.ColumnsTested} columns drifted");
            if (peer is not null)
            {
                var diff = new double[5];
                for (var f = 0; f < Features; f++)
                    for (var k = 0; k < 5; k++)
                        diff[k] = Math.Max(diff[k], Math.Abs(ours[f][k] - peer.Values[f][k]));
                Console.WriteLine($"   max |ours - scipy| over features: D {diff[0]:E1}, p {diff[1]:E1}, wasserstein {diff[2]:E1}, js {diff[3]:E1}, psi {diff[4]:E1}");
            }
            Console.WriteLine();
            summary.Add([n.ToString("N0", CultureInfo.InvariantCulture), single.Total.ToString("0.000", CultureInfo.InvariantCulture),
                parallelSeconds.ToString("0.000", CultureInfo.InvariantCulture), (single.Total / n * 1e6).ToString("0.00", CultureInfo.InvariantCulture),
                peer is null ? "-" : peer.Seconds["total"].ToString("0.000", CultureInfo.InvariantCulture),
                peer is null ? "-" : (peer.Seconds["total"] / single.Total).ToString("0.0", CultureInfo.InvariantCulture) + "x"]);
        }
        Console.WriteLine("-- summary (all statistics, 20 features)");
        Console.WriteLine($"   {"rows/window",12} {"ours CPU s",11} {"ours par wall s",16} {"CPU s per 1M rows",18} {"scipy CPU s",12} {"speed-up",9}");
        foreach (var s in summary) Console.WriteLine($"   {s[0],12} {s[1],11} {s[2],16} {s[3],18} {s[4],12} {s[5],9}");
        Console.WriteLine("   (sorting is O(n log n) for a comparison sort; our radix sort is linear, and every statistic after it is one pass)");
        Console.WriteLine();
    }

    private sealed record Window(double[] Reference, double[] Current);

    /// <summary>Feature f: mean f, sd 1 + f/10; current: 0–4 shifted by 0.02·(f+1) sd, 5–9 scaled by 1.05 (as the peer).</summary>
    private static Window[] Generate(int rows)
    {
        var windows = new Window[Features];
        Parallel.For(0, Features, f =>
        {
            double mean = f, sd = 1.0 + f / 10.0, curMean = mean, curSd = sd;
            if (f < 5) curMean += 0.02 * (f + 1) * sd;
            else if (f < 10) curSd *= 1.05;
            windows[f] = new Window(Normals((ulong)(1000 * f), rows, mean, sd), Normals((ulong)(1000 * f + 1), rows, curMean, curSd));
        });
        return windows;
    }

    /// <summary>Counter-based SplitMix64: uniform j is mix(seed + (j+1)·γ), identical to the peer's numpy code.</summary>
    private static double[] Normals(ulong seed, int count, double mean, double sd)
    {
        var values = new double[count];
        ulong j = 0;
        for (var i = 0; i < count; i++)
        {
            var s = Uniform(seed, ++j) + Uniform(seed, ++j) + Uniform(seed, ++j) + Uniform(seed, ++j);
            values[i] = (s - 2.0) * Math.Sqrt(3.0) * sd + mean;
        }
        return values;
    }

    private static double Uniform(ulong seed, ulong index)
    {
        var z = seed + index * Gamma;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / 9007199254740992.0);
    }

    /// <summary>Runs every statistic on every feature; returns summed seconds per step and the values (D, p, W, JS, PSI).</summary>
    private static Timings Measure(Window[] data, bool parallel, out double[][] values)
    {
        var perFeature = new Timings[data.Length];
        var results = new double[data.Length][];
        void One(int f)
        {
            // CPU time of this thread: the machine is shared, and wall time would charge us for other people's work.
            var last = ThreadCpuSeconds();
            double Lap() { var now = ThreadCpuSeconds(); var s = now - last; last = now; return s; }
            var a = (double[])data[f].Reference.Clone();
            var b = (double[])data[f].Current.Clone();
            FloatSort.Sort(a);
            FloatSort.Sort(b);
            var sort = Lap();
            var ks = KolmogorovSmirnovTest.ComputeSorted(a, b);
            var ksTime = Lap();
            var w = DistanceMeasures.WassersteinNormed(a, b);
            var wTime = Lap();
            var (r, c) = DistributionBinning.NumericShares(a, b);
            var bins = Lap();
            var js = DistanceMeasures.JensenShannon(r, c);
            var jsTime = Lap();
            DistributionBinning.FillEmptyBins(r);
            DistributionBinning.FillEmptyBins(c);
            var psi = DistanceMeasures.PopulationStabilityIndex(r, c);
            var psiTime = Lap();
            perFeature[f] = new Timings(sort, ksTime, wTime, bins, jsTime, psiTime);
            results[f] = [ks.Statistic, ks.PValue, w, js, psi];
        }
        if (parallel) Parallel.For(0, data.Length, One);
        else for (var f = 0; f < data.Length; f++) One(f);
        values = results;
        return new Timings(perFeature.Sum(t => t.Sort), perFeature.Sum(t => t.Ks), perFeature.Sum(t => t.Wasserstein),
            perFeature.Sum(t => t.Bins), perFeature.Sum(t => t.JensenShannon), perFeature.Sum(t => t.Psi));
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>CPU seconds used by the calling thread (CLOCK_THREAD_CPUTIME_ID), like Python's time.thread_time().</summary>
    private static double ThreadCpuSeconds()
    {
        const int threadCpuClock = 3;
        return ClockGetTime(threadCpuClock, out var t) == 0 ? t.Seconds + t.Nanoseconds * 1e-9 : Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
    }

    private sealed record PeerResult(Dictionary<string, double> Seconds, double[][] Values);

    private static async Task<PeerResult?> RunPeerAsync(BenchEnvironment env, int rows, CancellationToken ct)
    {
        var script = Path.Combine(env.RepoRoot, "bench", "peers", "drift_peers.py");
        var start = new ProcessStartInfo(env.Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, "speed", rows.ToString(CultureInfo.InvariantCulture), Features.ToString(CultureInfo.InvariantCulture) }) start.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync(ct);
            var error = process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            if (process.ExitCode != 0)
            {
                Console.WriteLine($"   peer failed: {(await error).Trim()}");
                return null;
            }
            using var json = JsonDocument.Parse(await output);
            var seconds = json.RootElement.GetProperty("seconds").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
            var values = json.RootElement.GetProperty("values").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
            return new PeerResult(seconds, values);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.WriteLine($"   peer not run ({env.Python}: {e.Message})");
            return null;
        }
    }

    // ---------------------------------------------------------------- detection

    private sealed record TimeWindow(string Label, int[] Rows);

    private static void Detection(BenchEnvironment env)
    {
        var folder = Path.Combine(env.BenchData, "drift");
        if (!Directory.Exists(folder))
        {
            Console.WriteLine($"== detection skipped: {folder} not found");
            return;
        }
        var detector = new DriftDetector(new DriftOptions());
        Bikes(detector, Path.Combine(folder, "bike_sharing_hour.csv"));
        Electricity(detector, Path.Combine(folder, "elec2.csv"));
        Weather(detector, Path.Combine(folder, "weather_nebraska.csv"));
    }

    private static void Bikes(DriftDetector detector, string path)
    {
        string[] categorical = ["season", "yr", "mnth", "holiday", "workingday", "weathersit"];
        var table = DriftTable.ReadCsv(path, categorical.ToHashSet());
        var days = table.Find("dteday")!.Labels!.Select(d => DateOnly.ParseExact(d!, "yyyy-MM-dd", CultureInfo.InvariantCulture)).ToArray();
        var first = new DateOnly(2011, 1, 1);
        var referenceEnd = new DateOnly(2011, 1, 28);
        int[] RowsBetween(DateOnly from, DateOnly to) => Enumerable.Range(0, days.Length).Where(i => days[i] >= from && days[i] <= to).ToArray();
        var reference = table.Select(RowsBetween(first, referenceEnd));
        var inside = Enumerable.Range(0, 4).Select(w => new TimeWindow(first.AddDays(7 * w).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), RowsBetween(first.AddDays(7 * w), first.AddDays(7 * w + 6)))).ToList();
        var after = new List<TimeWindow>();
        for (var start = referenceEnd.AddDays(1); start <= days[^1]; start = start.AddDays(7))
            after.Add(new TimeWindow(start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), RowsBetween(start, start.AddDays(6))));

        Console.WriteLine("== bike sharing (UCI hour.csv): reference 2011-01-01..2011-01-28 as in Evidently's bikes demo, weekly current windows");
        var request = new DriftRequest { Target = "cnt", Ignore = ["instant", "dteday", "casual", "registered"] };
        Console.WriteLine($"   features: {string.Join(", ", table.Columns.Select(c => c.Name).Except(request.Ignore!).Where(c => c != "cnt"))} (categorical: {string.Join(", ", categorical)}); target cnt");
        var timeline = Timeline(detector, table, reference, inside, after, request);

        // Documented change: the year flag turns from 0 to 1 on 2012-01-01 (and demand grew in 2012).
        var yearStart = after.FindIndex(w => string.CompareOrdinal(w.Label, "2011-12-31") >= 0);
        Delay(timeline, yearStart, "2012-01-01: yr turns 1 (demand grew in 2012)", ["yr"]);
        var firstDrift = timeline.FindIndex(r => r.Dataset.Drifted == true);
        Console.WriteLine($"   first window with dataset drift: {(firstDrift < 0 ? "none" : $"#{firstDrift + 1} ({after[firstDrift].Label})")}; windows with dataset drift: {timeline.Count(r => r.Dataset.Drifted == true)} of {timeline.Count}");
        Console.WriteLine();
    }

    private static void Electricity(DriftDetector detector, string path)
    {
        var table = DriftTable.ReadCsv(path, new HashSet<string>());
        const int week = 48 * 7;
        const int referenceRows = 4 * week;
        const int changeRow = 17_424;
        var reference = table.Slice(0, referenceRows);
        var inside = Enumerable.Range(0, 4).Select(w => new TimeWindow($"rows {w * week}", Enumerable.Range(w * week, week).ToArray())).ToList();
        var after = new List<TimeWindow>();
        for (var start = referenceRows; start < table.RowCount; start += week)
            after.Add(new TimeWindow($"rows {start}", Enumerable.Range(start, Math.Min(week, table.RowCount - start)).ToArray()));

        Console.WriteLine($"== elec2: reference = first 4 weeks (rows 0..{referenceRows - 1}), weekly windows of {week} rows; known abrupt change at row {changeRow:N0}");
        var request = new DriftRequest { Target = "class", Ignore = ["timestamp", "day_index"] };
        var timeline = Timeline(detector, table, reference, inside, after, request);
        var changeWindow = (changeRow - referenceRows) / week;
        Delay(timeline, changeWindow, $"row {changeRow:N0}: vicprice/vicdemand/transfer stop being constant (window #{changeWindow + 1} straddles it)", ["vicprice", "vicdemand", "transfer"]);
        var before = timeline.Take(changeWindow).Count(r => r.Dataset.Drifted == true);
        var anyBefore = timeline.Take(changeWindow).Count(r => r.Dataset.ColumnsDrifted > 0);
        Console.WriteLine($"   windows wholly before the change: {before} of {changeWindow} with dataset drift, {anyBefore} with at least one drifted column (NSW price and demand move with the seasons)");
        Console.WriteLine();
    }

    private static void Weather(DriftDetector detector, string path)
    {
        var table = DriftTable.ReadCsv(path, new HashSet<string>());
        const int year = 365;
        const int referenceYears = 5;
        var reference = table.Slice(0, referenceYears * year);
        var inside = Enumerable.Range(0, referenceYears).Select(y => new TimeWindow($"year {y + 1}", Enumerable.Range(y * year, year).ToArray())).ToList();
        var after = new List<TimeWindow>();
        for (var start = referenceYears * year; start + year / 2 < table.RowCount; start += year)
            after.Add(new TimeWindow($"year {start / year + 1}", Enumerable.Range(start, Math.Min(year, table.RowCount - start)).ToArray()));

        Console.WriteLine($"== weather (Nebraska, 1949-1999): reference = first {referenceYears} years ({referenceYears * year} rows), yearly windows of {year} rows; no abrupt change is documented, rain becomes more frequent slowly");
        var timeline = Timeline(detector, table, reference, inside, after, new DriftRequest { Target = "target" });
        Console.WriteLine($"   yearly windows with dataset drift: {timeline.Count(r => r.Dataset.Drifted == true)} of {timeline.Count}; with any drifted feature: {timeline.Count(r => r.Dataset.ColumnsDrifted > 0)}");
        Console.WriteLine();
    }

    /// <summary>Prints one line per window (reference-period windows first) and returns the reports of the later windows.</summary>
    private static List<DriftReport> Timeline(DriftDetector detector, DriftTable table, DriftTable reference, List<TimeWindow> inside, List<TimeWindow> after, DriftRequest request)
    {
        var sample = detector.Compare(reference, reference, request);
        Console.WriteLine($"   reference: {reference.RowCount} rows; methods: {string.Join(", ", sample.Columns.Select(c => $"{c.Column}={c.Method?.ShortName() ?? "-"}"))}");
        Console.WriteLine($"   {"window",-7} {"starts",-12} {"rows",5} {"drifted",8} {"share",6} {"dataset",8} {"target",7}  drifted columns");
        var clock = Stopwatch.StartNew();
        var falseAlarms = 0;
        foreach (var (w, i) in inside.Select((w, i) => (w, i)))
        {
            var report = detector.Compare(reference, table.Select(w.Rows), request);
            if (report.Dataset.Drifted == true) falseAlarms++;
            Row($"ref-{i + 1}", w, report);
        }
        var reports = new List<DriftReport>();
        foreach (var (w, i) in after.Select((w, i) => (w, i)))
        {
            var report = detector.Compare(reference, table.Select(w.Rows), request);
            reports.Add(report);
            Row($"#{i + 1}", w, report);
        }
        Console.WriteLine($"   false alarms on windows from within the reference period (in-sample): {falseAlarms} of {inside.Count}; {inside.Count + after.Count} comparisons in {clock.Elapsed.TotalSeconds:0.00} s");
        return reports;
    }

    private static void Row(string name, TimeWindow window, DriftReport report)
    {
        var d = report.Dataset;
        var drifted = string.Join(",", report.Columns.Where(c => c.Drifted == true).Select(c => c.Column));
        var target = report.Target?.Drifted switch { true => "yes", false => "no", null => "-" };
        Console.WriteLine($"   {name,-7} {window.Label,-12} {d.CurrentRows,5} {d.ColumnsDrifted,3}/{d.ColumnsTested,-4} {d.DriftShare,6:0.00} {(d.Drifted == true ? "DRIFT" : d.Drifted is null ? "?" : "-"),8} {target,7}  {drifted}");
    }

    /// <summary>Prints how many windows after <paramref name="changeWindow"/> it took for any of <paramref name="columns"/>, and for the dataset, to drift.</summary>
    private static void Delay(List<DriftReport> timeline, int changeWindow, string change, string[] columns)
    {
        if (changeWindow < 0 || changeWindow >= timeline.Count) return;
        var columnHit = timeline.FindIndex(changeWindow, r => r.Columns.Any(c => columns.Contains(c.Column) && c.Drifted == true));
        var datasetHit = timeline.FindIndex(changeWindow, r => r.Dataset.Drifted == true);
        string Describe(int hit) => hit < 0 ? "never" : $"window #{hit + 1}, delay {hit - changeWindow} window(s)";
        Console.WriteLine($"   known change {change}:");
        Console.WriteLine($"     {string.Join("/", columns)} drifted from {Describe(columnHit)}; dataset drift from {Describe(datasetHit)}");
    }
}
