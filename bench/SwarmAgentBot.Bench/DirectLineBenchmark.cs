using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SwarmAgentBot.Bench;

/// <summary>
/// Direct Line round trip for "help" with many concurrent conversations: time from posting the
/// activity to the bot's reply arriving on the conversation's websocket stream (what web chat sees).
/// Besides latency it prints the host's runtime figures for the measured window (CPU and bytes allocated per
/// message, collections, pauses, promoted bytes, JIT work) from <see cref="StartupHook"/> inside the host.
/// Options: --conversations N, --rounds N, --warmup N (rounds per conversation before measuring, 5);
/// --steady SECONDS (keep warming up that long first); --stages (split each round trip at the host's timestamps);
/// --host-env NAME=VALUE (runtime settings for the host only); --retained (heap kept alive per conversation and per message); --breakdown (the host's steps in this process:
/// run it with DOTNET_TieredCompilation=0 like the host, or the bench's own tiering shows in the figures).
/// </summary>
public sealed class DirectLineBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "directline";

    /// <inheritdoc />
    public string Description => "\"help\" round trip over Direct Line + websocket, 50 concurrent conversations (goal p99 < 20 ms)";

    /// <inheritdoc />
    public async Task<int> RunAsync(string[] args, BenchEnvironment env, CancellationToken cancellationToken)
    {
        if (args.Contains("--breakdown"))
        {
            await DirectLineBreakdown.PrintAsync(env, cancellationToken);
            return 0;
        }
        var conversations = IntArg(args, "--conversations", 50);
        var rounds = IntArg(args, "--rounds", 40);
        var warmup = IntArg(args, "--warmup", 5);
        // --stages: also split each round trip at the host's timestamps (costs the client a parse per frame).
        var stages = args.Contains("--stages") ? new List<StageTimes>() : null;
        // --host-env NAME=VALUE (repeatable): runtime settings for the host only, e.g. DOTNET_TieredPGO=0.
        var hostEnv = args.Select((a, i) => (a, i)).Where(x => x.a == "--host-env" && x.i + 1 < args.Length)
            .Select(x => args[x.i + 1].Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        var starting = Stopwatch.StartNew();
        await using var host = await BenchHost.StartAsync(env, hostEnv, runtimeStats: true, cancellationToken: cancellationToken);
        var started = await host.RuntimeStatsAsync(cancellationToken);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"host ready in {starting.Elapsed.TotalSeconds:F2} s ({started.CpuMs / 1000:F2} CPU s, {started.JitMethods} methods JIT-compiled)"));
        using var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        // --retained: what the host keeps alive per conversation (full collections before and after; they disturb the host, so
        // the latency figures of such a run are not comparable).
        var retained = args.Contains("--retained");
        var empty = retained ? await host.RuntimeStatsAsync(collectFirst: true, cancellationToken) : null;

        var clients = new List<(string Conversation, string Token, ClientWebSocket Socket)>();
        for (var i = 0; i < conversations; i++)
        {
            var token = (await (await http.PostAsJsonAsync("/api/webchat/token", new { user = "bench" + i }, cancellationToken)).Content.ReadFromJsonAsync<JsonObject>(cancellationToken))!;
            var socket = new ClientWebSocket();
            var conversation = token["conversationId"]!.ToString();
            using (var start = new HttpRequestMessage(HttpMethod.Post, "/v3/directline/conversations"))
            {
                start.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token["token"]!.ToString());
                (await http.SendAsync(start, cancellationToken)).EnsureSuccessStatusCode();
            }
            await socket.ConnectAsync(new Uri($"ws://{new Uri(host.BaseUrl).Authority}/v3/directline/conversations/{conversation}/stream?t={Uri.EscapeDataString(token["token"]!.ToString())}"), cancellationToken);
            clients.Add((conversation, token["token"]!.ToString(), socket));
        }

        var opened = retained ? await host.RuntimeStatsAsync(collectFirst: true, cancellationToken) : null;
        // Warm-up (JIT, connection pools, SQLite pages), then measure.
        await Task.WhenAll(clients.Select(c => RunConversationAsync(http, c, warmup, null, null, cancellationToken)));
        if (retained)
        {
            var warmed = await host.RuntimeStatsAsync(collectFirst: true, cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"retained by the host: {(opened!.HeapBytes - empty!.HeapBytes) / 1024.0 / conversations:F1} KB per open conversation (token, start, websocket), " +
                $"then {(warmed.HeapBytes - opened.HeapBytes) / 1024.0 / (conversations * warmup):F2} KB per message answered ({conversations * warmup} messages); heap {warmed.HeapBytes / 1048576.0:F1} MB"));
        }
        if (IntArg(args, "--steady", 0) is var steadySeconds and > 0)
        {
            // Steady state: tiered compilation re-JITs hot methods (instrumented, then optimised) for many seconds
            // after start; keep warming up for this long before measuring.
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(steadySeconds))
                await Task.WhenAll(clients.Select(c => RunConversationAsync(http, c, 5, null, null, cancellationToken)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"steady state: {deadline.Elapsed.TotalSeconds:F1} s of extra warm-up"));
        }
        var samples = new List<double>();
        // CPU per message is the stable figure on a shared machine (wall-clock latency moves with the neighbours' load).
        var self = Process.GetCurrentProcess();
        var (before, clientCpu, clientGcs) = (await host.RuntimeStatsAsync(cancellationToken), self.TotalProcessorTime, GcCounts());
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(c => RunConversationAsync(http, c, rounds, samples, stages, cancellationToken)));
        wall.Stop();
        var after = await host.RuntimeStatsAsync(cancellationToken);
        self.Refresh();
        clientCpu = self.TotalProcessorTime - clientCpu;
        var clientGcDelta = GcCounts().Zip(clientGcs, (a, b) => a - b).ToArray();
        foreach (var c in clients) c.Socket.Dispose();

        Console.WriteLine($"Direct Line \"help\" round trip, {conversations} concurrent conversations × {rounds} messages ({samples.Count} samples, {Environment.ProcessorCount} cores)");
        Console.WriteLine($"{"p50 ms",10} {"p90 ms",10} {"p95 ms",10} {"p99 ms",10} {"max ms",10} {"msg/s",10}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Percentiles.Of(samples, 50),10:F2} {Percentiles.Of(samples, 90),10:F2} {Percentiles.Of(samples, 95),10:F2} {Percentiles.Of(samples, 99),10:F2} {samples.Max(),10:F2} {samples.Count / wall.Elapsed.TotalSeconds,10:F0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CPU per message: host {(after.CpuMs - before.CpuMs) / samples.Count:F3} ms, bench client {clientCpu.TotalMilliseconds / samples.Count:F3} ms (client GCs gen0/1/2: {string.Join('/', clientGcDelta)})"));
        HostRuntimeStats.PrintWindow(before, after, samples.Count, "message");
        if (stages is not null) PrintStages(stages);
        Console.WriteLine($"goal: p99 < 20 ms → {(Percentiles.Of(samples, 99) < 20 ? "met" : "NOT met")}");
        return 0;
    }

    /// <summary>One round trip split at the host's timestamps (same clock: host and client run on this machine).</summary>
    private sealed record StageTimes(double PostToAccepted, double AcceptedToReply, double ReplyToClient, double PostResponse, double EchoAtClient);

    private static void PrintStages(List<StageTimes> stages)
    {
        Console.WriteLine($"{"stage (ms)",-44} {"p50",8} {"p90",8} {"p99",8} {"max",8}");
        foreach (var (name, pick) in new (string, Func<StageTimes, double>)[]
                 {
                     ("post → host accepted (echo timestamp)", s => s.PostToAccepted),
                     ("host accepted → reply appended", s => s.AcceptedToReply),
                     ("reply appended → reply at client", s => s.ReplyToClient),
                     ("post → POST response at client", s => s.PostResponse),
                     ("post → echo frame at client", s => s.EchoAtClient),
                 })
        {
            var values = stages.Select(pick).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-44} {Percentiles.Of(values, 50),8:F2} {Percentiles.Of(values, 90),8:F2} {Percentiles.Of(values, 99),8:F2} {values.Max(),8:F2}"));
        }
    }

    // The value of the first or last "timestamp" in a frame (the oldest or newest activity's), as the host wrote it.
    private static DateTime Timestamp(ReadOnlySpan<byte> frame, bool last)
    {
        var at = last ? frame.LastIndexOf("\"timestamp\":\""u8) : frame.IndexOf("\"timestamp\":\""u8);
        if (at < 0) return default;
        var rest = frame[(at + 13)..];
        var end = rest.IndexOf((byte)'"');
        // System.Text.Json escapes the offset's '+' as \u002B.
        return DateTime.Parse(System.Text.Encoding.UTF8.GetString(rest[..end]).Replace("\\u002B", "+", StringComparison.Ordinal), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
    }

    private static async Task RunConversationAsync(HttpClient http, (string Conversation, string Token, ClientWebSocket Socket) c, int rounds, List<double>? samples, List<StageTimes>? stages, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        for (var i = 0; i < rounds; i++)
        {
            var postedAt = DateTime.UtcNow;
            var sw = Stopwatch.StartNew();
            using var post = new HttpRequestMessage(HttpMethod.Post, $"/v3/directline/conversations/{c.Conversation}/activities")
            {
                // Serialised up front so the request carries a Content-Length, as a browser's fetch does
                // (JsonContent streams the body chunked, which web chat never sends).
                Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(new { type = "message", from = new { id = "u" }, text = "help" }))
                {
                    Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } },
                },
            };
            post.Headers.Authorization = new AuthenticationHeaderValue("Bearer", c.Token);
            (await http.SendAsync(post, ct)).EnsureSuccessStatusCode();
            var postResponse = sw.Elapsed.TotalMilliseconds;
            var (echoAtClient, acceptedAt) = (double.NaN, default(DateTime));
            var length = 0;
            while (true)
            {
                // Look for the bot's reply in the frame's bytes: decoding every frame into strings
                // (as this loop used to) cost the client more than the check itself.
                length = 0;
                ValueWebSocketReceiveResult r;
                do
                {
                    if (length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                    r = await c.Socket.ReceiveAsync(buffer.AsMemory(length), ct);
                    length += r.Count;
                } while (!r.EndOfMessage);
                if (buffer.AsSpan(0, length).IndexOf("\"role\":\"bot\""u8) >= 0) break;
                if (stages is not null && double.IsNaN(echoAtClient))
                    (echoAtClient, acceptedAt) = (sw.Elapsed.TotalMilliseconds, Timestamp(buffer.AsSpan(0, length), last: true));
            }
            sw.Stop();
            if (samples is not null) lock (samples) samples.Add(sw.Elapsed.TotalMilliseconds);
            if (stages is not null && samples is not null)
            {
                var replyAt = Timestamp(buffer.AsSpan(0, length), last: true);
                // Echo and reply in one frame: the user's activity is the frame's first.
                if (double.IsNaN(echoAtClient)) (echoAtClient, acceptedAt) = (sw.Elapsed.TotalMilliseconds, Timestamp(buffer.AsSpan(0, length), last: false));
                var receivedAt = postedAt.AddMilliseconds(sw.Elapsed.TotalMilliseconds);
                lock (stages) stages.Add(new StageTimes((acceptedAt - postedAt).TotalMilliseconds, (replyAt - acceptedAt).TotalMilliseconds,
                    (receivedAt - replyAt).TotalMilliseconds, postResponse, echoAtClient));
            }
        }
    }

    private static int[] GcCounts() => [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];

    private static int IntArg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;
    }
}
