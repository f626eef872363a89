using System.Globalization;
using System.Diagnostics.Tracing;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace SwarmAgentBot.Bench;

/// <summary>
/// What the host's runtime has done so far: CPU, allocations, collections, every pause of the
/// runtime (GC or not), JIT work, thread pool and lock contention. The bench takes one before and
/// one after its measured window; the difference is what the window cost, whatever else the machine runs.
/// </summary>
/// <param name="CpuMs">CPU time of all the host's threads (CLOCK_PROCESS_CPUTIME_ID, nanosecond resolution).</param>
/// <param name="AllocatedBytes">Bytes allocated by all threads since start.</param>
/// <param name="Gen0">Collections of generation 0 (each gen1/gen2 collection counts in the lower ones too).</param>
/// <param name="Gen1">Collections of generation 1.</param>
/// <param name="Gen2">Collections of generation 2.</param>
/// <param name="Pauses">Every runtime suspension so far, oldest first: duration in ms and whether a GC caused it.</param>
/// <param name="PromotedBytes">Bytes the collections so far found alive in gen0/gen1 and kept (what a collection has to copy).</param>
/// <param name="JitMethods">Methods compiled by the JIT so far (tier-0, tier-1 and OSR versions all count).</param>
/// <param name="JitMs">Time spent in the JIT so far.</param>
/// <param name="ThreadPoolThreads">Thread pool threads now.</param>
/// <param name="LockContentions">Times a thread had to wait for a Monitor lock so far.</param>
/// <param name="Collections">Every collection so far, oldest first: generation, why it started and its kind (e.g. "gen2 AllocLarge background").</param>
/// <param name="HeapBytes">The managed heap's size at the end of the last collection (what was alive then, plus fragmentation).</param>
public sealed record HostRuntimeStats(double CpuMs, long AllocatedBytes, int Gen0, int Gen1, int Gen2, IReadOnlyList<RuntimePause> Pauses,
    long PromotedBytes, long JitMethods, double JitMs, int ThreadPoolThreads, long LockContentions, IReadOnlyList<string> Collections, long HeapBytes)
{
    /// <summary>Environment variable naming the Unix socket the hook answers on.</summary>
    public const string SocketVariable = "SWARM_BENCH_STATS_SOCKET";

    /// <summary>The one-byte request for a full compacting collection before the figures (any other byte: figures only).</summary>
    internal const byte CollectCommand = (byte)'c';

    /// <summary>Asks the host's hook for its figures now (after a full compacting collection with <paramref name="collectFirst"/>).</summary>
    public static async Task<HostRuntimeStats> ReadAsync(string socketPath, bool collectFirst = false, CancellationToken cancellationToken = default)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(new[] { collectFirst ? CollectCommand : (byte)'s' }, cancellationToken);
        return (await JsonSerializer.DeserializeAsync<HostRuntimeStats>(stream, cancellationToken: cancellationToken))!;
    }

    /// <summary>Figures of this process now (called inside the host by the hook).</summary>
    internal static HostRuntimeStats Current(RuntimePauseListener listener) => new(
        ProcessCpuMs(), GC.GetTotalAllocatedBytes(precise: true), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), listener.Pauses, listener.PromotedBytes,
        System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds,
        ThreadPool.ThreadCount, Monitor.LockContentionCount, listener.Collections, GC.GetGCMemoryInfo().HeapSizeBytes);

    /// <summary>Prints what the host's runtime did between two readings, per <paramref name="unit"/> where it adds up.</summary>
    internal static void PrintWindow(HostRuntimeStats before, HostRuntimeStats after, int count, string unit)
    {
        var pauses = after.Pauses.Skip(before.Pauses.Count).ToList();
        var gc = pauses.Where(p => p.ForGc).Select(p => p.Ms).ToList();
        var other = pauses.Where(p => !p.ForGc).Select(p => p.Ms).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"host: {(after.AllocatedBytes - before.AllocatedBytes) / 1024.0 / count:F1} KB allocated per {unit}; GCs gen0/1/2: {after.Gen0 - before.Gen0}/{after.Gen1 - before.Gen1}/{after.Gen2 - before.Gen2}; " +
            $"GC pauses {gc.Count} ({gc.Sum():F1} ms, max {(gc.Count > 0 ? gc.Max() : 0):F2} ms), {(after.PromotedBytes - before.PromotedBytes) / 1048576.0:F1} MB promoted; other runtime pauses {other.Count} (max {(other.Count > 0 ? other.Max() : 0):F2} ms)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"host: JIT {after.JitMethods - before.JitMethods} methods, {after.JitMs - before.JitMs:F0} ms in the window; thread pool {after.ThreadPoolThreads} threads; lock contentions {after.LockContentions - before.LockContentions}"));
        var collections = after.Collections.Skip(before.Collections.Count).ToList();
        if (collections.Count > 0) Console.WriteLine($"host collections: {string.Join(", ", collections.GroupBy(c => c).Select(g => g.Count() > 1 ? $"{g.Key} ×{g.Count()}" : g.Key))}");
    }

    private const int ProcessCpuClock = 2; // CLOCK_PROCESS_CPUTIME_ID

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    internal static double ProcessCpuMs() => ClockGetTime(ProcessCpuClock, out var t) == 0 ? t.Seconds * 1e3 + t.Nanoseconds / 1e6 : double.NaN;
}

/// <summary>One suspension of the runtime: how long every managed thread stood still, and whether a GC caused it.</summary>
public sealed record RuntimePause(double Ms, bool ForGc);

/// <summary>
/// Records every runtime suspension from the runtime's own GC events (suspend begin → restart end) and the bytes
/// each collection promoted; with <c>jitLogPath</c> (SWARM_BENCH_JIT_LOG) also appends one line per JIT-compiled
/// method there (time, method flags with the optimisation tier in bits 7-9, name): a diagnostic, slow.
/// </summary>
internal sealed class RuntimePauseListener(string? jitLogPath = null) : EventListener
{
    private const int MethodLoadVerbose = 143;
    private const int GcStart = 1;
    private const int RestartEeEnd = 3;
    private const int HeapStats = 4;
    private long _promoted;
    private const int SuspendEeBegin = 9;
    private readonly Lock _gate = new();
    private readonly List<RuntimePause> _pauses = [];
    private readonly List<string> _collections = [];

    // GCStart's Reason and Type payloads, as the runtime numbers them.
    private static readonly string[] GcReasons = ["AllocSmall", "Induced", "LowMemory", "Empty", "AllocLarge", "OutOfSpaceSOH", "OutOfSpaceLOH",
        "InducedNotForced", "Internal", "InducedLowMemory", "InducedCompacting", "LowMemoryHost", "PMFullGC", "LowMemoryHostBlocking"];
    private static readonly string[] GcTypes = ["blocking", "background", "foreground"];
    // GCPerHeapHistory's CondemnReasons1: one bit per condition that shaped the collection (the runtime's gc_condemn_reason_condition).
    private static readonly string[] GcConditions = ["induced full", "expand", "high memory", "very high memory", "low ephemeral space", "low card efficiency",
        "ephemeral fragmentation", "gen2 fragmentation", "gen2 fragmentation (e)", "gen2 fragmentation (m)", "gen2 fragmentation (vm)", "gen1 budget",
        "before OOM", "gen2, LOH and POH each under 4 MB: too small for a background GC", "induced, not forced", "before background GC", "almost max alloc"];
    private const int GcPerHeapHistory = 204;
    private DateTime _suspendedAt;
    private bool _suspendedForGc;

    /// <summary>Bytes promoted out of gen0 and gen1 by the collections so far.</summary>
    public long PromotedBytes => Interlocked.Read(ref _promoted);

    /// <summary>The collections so far (a copy), see <see cref="HostRuntimeStats.Collections"/>.</summary>
    public IReadOnlyList<string> Collections
    {
        get { lock (_gate) return _collections.ToArray(); }
    }

    /// <summary>The pauses so far (a copy).</summary>
    public IReadOnlyList<RuntimePause> Pauses
    {
        get { lock (_gate) return _pauses.ToArray(); }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // GC keyword (0x1) at Informational: a handful of events per collection, nothing per allocation.
        // With a JIT log: also the JIT keyword (0x10) at Verbose, one event per compiled method (which, when, at which tier).
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            EnableEvents(eventSource, jitLogPath is null ? EventLevel.Informational : EventLevel.Verbose, (EventKeywords)(jitLogPath is null ? 0x1 : 0x11));
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventId == MethodLoadVerbose && jitLogPath is not null && e.Payload is { Count: > 8 } m)
        {
            lock (_gate) File.AppendAllText(jitLogPath, $"{e.TimeStamp:HH:mm:ss.fff} flags={m[5]} {m[6]}::{m[7]}\n");
        }
        else if (e.EventId == GcStart && e.Payload is { Count: > 3 } g)
        {
            var (depth, reason, type) = (Convert.ToInt32(g[1], CultureInfo.InvariantCulture), Convert.ToInt32(g[2], CultureInfo.InvariantCulture), Convert.ToInt32(g[3], CultureInfo.InvariantCulture));
            var text = $"gen{depth} {(reason < GcReasons.Length ? GcReasons[reason] : reason.ToString(CultureInfo.InvariantCulture))} {(type < GcTypes.Length ? GcTypes[type] : type.ToString(CultureInfo.InvariantCulture))}";
            lock (_gate) _collections.Add(text);
        }
        else if (e.EventId == GcPerHeapHistory && e.PayloadNames is { } names && names.IndexOf("CondemnReasons1") is >= 0 and var at
                 && Convert.ToInt64(e.Payload![at], CultureInfo.InvariantCulture) is var bits and not 0)
        {
            // Why a collection was what it was (e.g. why a gen2 was blocking rather than background), appended to its line.
            var why = string.Join(", ", Enumerable.Range(0, GcConditions.Length).Where(b => (bits & (1L << b)) != 0).Select(b => GcConditions[b]));
            lock (_gate)
                if (_collections.Count > 0) _collections[^1] += $" ({why})";
        }
        else if (e.EventId == HeapStats && e.Payload is { Count: > 3 } h)
        {
            Interlocked.Add(ref _promoted, (long)Convert.ToUInt64(h[1], System.Globalization.CultureInfo.InvariantCulture) + (long)Convert.ToUInt64(h[3], System.Globalization.CultureInfo.InvariantCulture));
        }
        else if (e.EventId == SuspendEeBegin)
        {
            // Reason 1 = SUSPEND_FOR_GC, 6 = SUSPEND_FOR_GC_PREP; the others are the runtime's own (tiering, debugger, ...).
            var reason = e.Payload is { Count: > 0 } p && p[0] is uint r ? r : 0u;
            lock (_gate) (_suspendedAt, _suspendedForGc) = (e.TimeStamp, reason is 1 or 6);
        }
        else if (e.EventId == RestartEeEnd)
        {
            lock (_gate)
                if (_suspendedAt != default)
                {
                    _pauses.Add(new RuntimePause((e.TimeStamp - _suspendedAt).TotalMilliseconds, _suspendedForGc));
                    _suspendedAt = default;
                }
        }
    }
}
