using System.Reflection;
using SwarmAgentBot.Bench;

// Finds every IBenchmark in this assembly; each benchmark lives in its own file.
var benchmarks = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name, StringComparer.Ordinal)
    .ToList();

var repoRoot = Environment.GetEnvironmentVariable("SWARM_REPO_ROOT") ?? FindRepoRoot(AppContext.BaseDirectory);
var benchData = Environment.GetEnvironmentVariable("SWARM_BENCH_DATA") ?? Path.GetFullPath(Path.Combine(repoRoot, "..", "shared", "bench-data"));
var outDir = Path.Combine(repoRoot, "bench", "out");
Directory.CreateDirectory(outDir);
var env = new BenchEnvironment(repoRoot, benchData, outDir, "/usr/bin/python3");

if (args.Length == 0 || benchmarks.All(b => b.Name != args[0]))
{
    Console.WriteLine("usage: ./build.sh bench NAME [args]");
    foreach (var b in benchmarks) Console.WriteLine($"  {b.Name,-12} {b.Description}");
    return args.Length == 0 ? 0 : 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
return await benchmarks.First(b => b.Name == args[0]).RunAsync(args[1..], env, cts.Token);

static string FindRepoRoot(string start)
{
    for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "SwarmAgentBot.sln"))) return dir.FullName;
    return Directory.GetCurrentDirectory();
}
