namespace SwarmAgentBot.Bench;

/// <summary>
/// One benchmark of the harness (`./build.sh bench NAME`). It prints its figures, and the same
/// figures for its peers where it has them, as a table on stdout; it never fails a build on speed.
/// </summary>
public interface IBenchmark
{
    /// <summary>Name on the command line: nlu, rag, profile, automl, drift, serving, directline.</summary>
    string Name { get; }

    /// <summary>One line about what it measures.</summary>
    string Description { get; }

    /// <summary>Runs it. <paramref name="args"/> are the words after the name. Returns an exit code.</summary>
    Task<int> RunAsync(string[] args, BenchEnvironment env, CancellationToken cancellationToken);
}

/// <summary>Where things are: the repository root and shared bench data.</summary>
/// <param name="RepoRoot">The repository root.</param>
/// <param name="BenchData">../shared/bench-data (or $SWARM_BENCH_DATA).</param>
/// <param name="OutDir">bench/out, for generated files.</param>
/// <param name="Python">The Debian python used for peers (/usr/bin/python3).</param>
public sealed record BenchEnvironment(string RepoRoot, string BenchData, string OutDir, string Python);
