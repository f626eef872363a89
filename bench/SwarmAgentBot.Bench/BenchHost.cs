using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SwarmAgentBot.Bench;

/// <summary>Runs the built host (`swarm serve`) as a child process on a free loopback port with a fresh data folder.</summary>
public sealed class BenchHost : IAsyncDisposable
{
    private readonly Process _process;

    private BenchHost(Process process, string baseUrl, string dataDir, string? statsSocket)
    {
        _process = process;
        BaseUrl = baseUrl;
        DataDir = dataDir;
        _statsSocket = statsSocket;
    }

    private readonly string? _statsSocket;

    /// <summary>http://127.0.0.1:PORT</summary>
    public string BaseUrl { get; }

    /// <summary>The host's data folder.</summary>
    public string DataDir { get; }

    /// <summary>CPU time the host process has used so far (all its threads): what a phase cost, whatever else the machine runs.</summary>
    public TimeSpan ProcessorTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>
    /// The host's runtime figures now (CPU, allocations, collections, pauses, JIT); only when started
    /// with <c>runtimeStats</c> (the bench's <see cref="StartupHook"/> answers from inside the host).
    /// </summary>
    public Task<HostRuntimeStats> RuntimeStatsAsync(CancellationToken cancellationToken = default) => RuntimeStatsAsync(collectFirst: false, cancellationToken);

    /// <summary>The host's runtime figures now; with <paramref name="collectFirst"/> after a full compacting collection, so
    /// <see cref="HostRuntimeStats.HeapBytes"/> is what the host keeps alive (a diagnostic: it disturbs the host).</summary>
    public Task<HostRuntimeStats> RuntimeStatsAsync(bool collectFirst, CancellationToken cancellationToken = default) =>
        _statsSocket is null ? throw new InvalidOperationException("The host was started without runtimeStats.") : HostRuntimeStats.ReadAsync(_statsSocket, collectFirst, cancellationToken);

    /// <summary>Starts the host and waits until /readyz answers (start-up work done, as a load balancer would wait).</summary>
    public static async Task<BenchHost> StartAsync(BenchEnvironment env, IDictionary<string, string>? settings = null, bool runtimeStats = false, CancellationToken cancellationToken = default)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var baseUrl = $"http://127.0.0.1:{port}";
        var dataDir = Path.Combine(Path.GetTempPath(), "swarm-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var dll = Path.Combine(AppContext.BaseDirectory, "swarm.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "serve", "--urls", baseUrl }) psi.ArgumentList.Add(a);
        psi.Environment["Swarm__DataDir"] = dataDir;
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        // As ./swarm serve and the manifests start the server (see SwarmAgentBot.Host.csproj).
        psi.Environment["DOTNET_TieredCompilation"] = "0";
        psi.Environment["Swarm__Knowledge__Path"] = Path.Combine(env.RepoRoot, "knowledge");
        string? statsSocket = null;
        if (runtimeStats)
        {
            statsSocket = Path.Combine(Path.GetTempPath(), $"swarm-bench-stats-{port}.sock");
            psi.Environment["DOTNET_STARTUP_HOOKS"] = typeof(BenchHost).Assembly.Location;
            psi.Environment[HostRuntimeStats.SocketVariable] = statsSocket;
        }
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new BenchHost(process, baseUrl, dataDir, statsSocket);
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited) throw new InvalidOperationException($"swarm serve exited with {process.ExitCode}");
            try
            {
                if ((await http.GetAsync(baseUrl + "/readyz", cancellationToken)).IsSuccessStatusCode) return host;
            }
            catch (HttpRequestException) { }
            await Task.Delay(100, cancellationToken);
        }
        await host.DisposeAsync();
        throw new TimeoutException("swarm serve did not become ready within 60 s");
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try { Directory.Delete(DataDir, true); } catch (IOException) { }
        if (_statsSocket is not null) File.Delete(_statsSocket);
    }
}
