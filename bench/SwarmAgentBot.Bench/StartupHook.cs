using System.Net.Sockets;
using System.Text.Json;
using SwarmAgentBot.Bench;

/// <summary>
/// Runs inside the host the bench starts (DOTNET_STARTUP_HOOKS names this assembly) when
/// SWARM_BENCH_STATS_SOCKET is set: answers each connection on that Unix socket with the host's
/// <see cref="HostRuntimeStats"/>. The host's own code is untouched; the hook costs a blocked thread
/// and the runtime's GC events (a few per collection).
/// </summary>
#pragma warning disable CA1050 // the runtime looks for a type named StartupHook outside any namespace
internal static class StartupHook
#pragma warning restore CA1050
{
    /// <summary>Called by the runtime before the host's Main.</summary>
    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable(HostRuntimeStats.SocketVariable) is not { Length: > 0 } path) return;
        var pauses = new RuntimePauseListener(Environment.GetEnvironmentVariable("SWARM_BENCH_JIT_LOG") is { Length: > 0 } log ? log : null);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        File.Delete(path);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(4);
        var thread = new Thread(() =>
        {
            while (true)
            {
                using var client = listener.Accept();
                using var stream = new NetworkStream(client);
                if (stream.ReadByte() == HostRuntimeStats.CollectCommand)
                {
                    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                    GC.WaitForPendingFinalizers();
                    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                }
                JsonSerializer.Serialize(stream, HostRuntimeStats.Current(pauses));
            }
        })
        { IsBackground = true, Name = "bench stats" };
        thread.Start();
    }
}
