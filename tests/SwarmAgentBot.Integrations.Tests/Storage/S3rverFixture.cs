using System.Diagnostics;
using System.Text.RegularExpressions;
using SwarmAgentBot.Integrations.S3;

namespace SwarmAgentBot.Integrations.Tests.Storage;

/// <summary>
/// Runs s3rver (npm, tests/e2e/node_modules) on a loopback port chosen at run time with a fresh
/// data folder, for the whole test collection. Missing node or s3rver fails the tests with the fix
/// (./build.sh test installs both); nothing is skipped.
/// </summary>
public sealed partial class S3rverFixture : IAsyncLifetime
{
    /// <summary>The bucket created at start.</summary>
    public const string Bucket = "swarm-test";

    private Process? _process;
    private string? _dataDir;

    /// <summary>http://127.0.0.1:port of the running server.</summary>
    public string ServiceUrl { get; private set; } = "";

    /// <summary>Options for a store on the test bucket (chunk encoding off, as s3rver needs).</summary>
    public S3StorageOptions Options(string? bucket = null, long partSize = 5L << 20, int maxRetries = 2, string? serviceUrl = null) => new()
    {
        ServiceUrl = serviceUrl ?? ServiceUrl,
        Bucket = bucket ?? Bucket,
        AccessKey = "S3RVER",
        SecretKey = "S3RVER",
        DisableChunkEncoding = true,
        PartSizeBytes = partSize,
        MaxRetries = maxRetries,
        RetryDelay = TimeSpan.FromMilliseconds(20),
        RequestTimeout = TimeSpan.FromSeconds(30),
    };

    public async Task InitializeAsync()
    {
        var root = RepoRoot();
        var script = Path.Combine(root, "tests", "e2e", "node_modules", "s3rver", "bin", "s3rver.js");
        var node = FindOnPath("node")
            ?? throw new InvalidOperationException("node is not installed, so the S3 tests cannot start s3rver. Install Node.js 20 (./build.sh test does it: apt-get install nodejs npm).");
        if (!File.Exists(script))
            throw new InvalidOperationException($"s3rver is not installed ({script} is missing). Run `npm install` in tests/e2e (./build.sh test does it).");

        _dataDir = Directory.CreateTempSubdirectory("s3rver-").FullName;
        var start = new ProcessStartInfo(node) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, "--directory", _dataDir, "--address", "127.0.0.1", "--port", "0", "--silent", "--configure-bucket", Bucket })
            start.ArgumentList.Add(a);
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");

        // s3rver prints "S3rver listening on 127.0.0.1:PORT" once it accepts requests.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var errors = _process.StandardError.ReadToEndAsync(deadline.Token);
        while (true)
        {
            string? line;
            try { line = await _process.StandardOutput.ReadLineAsync(deadline.Token); }
            catch (OperationCanceledException) { throw new InvalidOperationException("s3rver did not report a listening port within 60 s."); }
            if (line is null)
                throw new InvalidOperationException($"s3rver exited before listening: {(errors.IsCompleted ? await errors : "")}");
            var m = ListeningLine().Match(line);
            if (!m.Success) continue;
            ServiceUrl = $"http://127.0.0.1:{m.Groups[1].Value}";
            break;
        }
        // Keep draining stdout so the pipe never fills up.
        _ = _process.StandardOutput.ReadToEndAsync();
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process?.Dispose();
        if (_dataDir is not null)
        {
            try { Directory.Delete(_dataDir, recursive: true); }
            catch (IOException) { /* a file still held open; the temp folder is cleaned by the OS */ }
        }
        return Task.CompletedTask;
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SwarmAgentBot.sln"))) return dir.FullName;
        throw new InvalidOperationException("Could not find the repository root (SwarmAgentBot.sln) above " + AppContext.BaseDirectory);
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    [GeneratedRegex(@"listening on [^:]+:(\d+)")]
    private static partial Regex ListeningLine();
}

[CollectionDefinition(Name)]
public sealed class S3rverCollection : ICollectionFixture<S3rverFixture>
{
    public const string Name = "s3rver";
}
