using System.Text.Json.Nodes;
using SwarmAgentBot.Host.Cli;

namespace SwarmAgentBot.Host.Tests.Storage;

/// <summary>`swarm datasets ...` and `swarm seed` end to end on a temporary data folder.</summary>
public sealed class DatasetCliTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("swarm-cli-").FullName;
    private readonly string _demo = Path.Combine(RepoRoot(), "demo");

    private async Task<(int Code, string Out, string Error)> RunWithInputAsync(string input, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        await using var context = new CliContext { Out = output, Error = error, In = new StringReader(input), Overrides = new Dictionary<string, string?> { ["Swarm:DataDir"] = _dataDir } };
        var code = await SwarmCli.RunAsync(args, context);
        return (code, output.ToString(), error.ToString());
    }

    private Task<(int Code, string Out, string Error)> RunAsync(params string[] args) => RunWithInputAsync("", args);

    [Fact]
    public async Task UploadListPreviewProfileAndDelete()
    {
        var churn = Path.Combine(_demo, "churn.csv");
        var upload = await RunAsync("datasets", "upload", churn, "--name", "customers", "--json");
        Assert.Equal(0, upload.Code);
        var uploaded = JsonNode.Parse(upload.Out)!;
        Assert.Equal("customers", uploaded["dataset"]!.GetValue<string>());
        Assert.Equal(1, uploaded["version"]!.GetValue<int>());
        var lines = File.ReadAllLines(churn).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(lines.Count, uploaded["rows"]!.GetValue<long>());

        var again = await RunAsync("datasets", "upload", churn, "--name", "customers");
        Assert.Contains("already holds this content", again.Out);

        var list = JsonNode.Parse((await RunAsync("datasets", "list", "--json")).Out)!.AsArray();
        Assert.Equal("customers", list.Single()!["name"]!.GetValue<string>());
        Assert.Single(list[0]!["versions"]!.AsArray());

        var preview = JsonNode.Parse((await RunAsync("datasets", "preview", "customers", "--rows", "2", "--json")).Out)!;
        Assert.Equal(2, preview["rows"]!.AsArray().Count);
        Assert.Equal(lines[1][0], preview["rows"]![1]![0]!.GetValue<string>());

        var profile = JsonNode.Parse((await RunAsync("datasets", "profile", "customers", "--target", "churn", "--json")).Out)!;
        var tenure = profile["columns"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "tenure")!;
        Assert.Equal("Integer", tenure["type"]!.GetValue<string>());
        Assert.Equal(lines.Average(l => double.Parse(l[1], System.Globalization.CultureInfo.InvariantCulture)), tenure["mean"]!.GetValue<double>(), 9);
        var yes = lines.Count(l => l[7] == "yes");
        var classes = profile["label_balance"]!["classes"]!.AsArray();
        Assert.Equal(yes, classes.Single(c => c!["value"]!.GetValue<string>() == "yes")!["count"]!.GetValue<long>());

        var kept = await RunWithInputAsync("n\n", "datasets", "delete", "customers");
        Assert.Contains("Nothing was deleted", kept.Out);
        Assert.Single(JsonNode.Parse((await RunAsync("datasets", "list", "--json")).Out)!.AsArray());

        var deleted = await RunWithInputAsync("y\n", "datasets", "delete", "customers");
        Assert.Equal(0, deleted.Code);
        Assert.Contains("Deleted dataset customers (v1)", deleted.Out);
        Assert.Empty(JsonNode.Parse((await RunAsync("datasets", "list", "--json")).Out)!.AsArray());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_dataDir, "objects"), "*", SearchOption.AllDirectories));

        var audit = JsonNode.Parse((await RunAsync("audit", "--json")).Out)!.AsArray();
        Assert.Contains(audit, e => e!["action"]!.GetValue<string>() == "storage.delete_dataset" && e["resource"]!.GetValue<string>() == "dataset:customers");
        Assert.Contains(audit, e => e!["action"]!.GetValue<string>() == "storage.upload_dataset");
    }

    [Fact]
    public async Task BadInputExitsWithOneAndAClearMessageAndStoresNothing()
    {
        var ragged = Path.Combine(_dataDir, "ragged.csv");
        await File.WriteAllTextAsync(ragged, "a,b\n1,2\n3\n");
        var result = await RunAsync("datasets", "upload", ragged);
        Assert.Equal(1, result.Code);
        Assert.Contains("line 3 has 1", result.Error);

        var traversal = await RunAsync("datasets", "upload", Path.Combine(_demo, "churn.csv"), "--name", "../../etc");
        Assert.Equal(1, traversal.Code);
        Assert.Contains("cannot contain", traversal.Error);

        var missing = await RunAsync("datasets", "profile", "nope");
        Assert.Equal(1, missing.Code);
        Assert.Contains("no dataset called 'nope'", missing.Error);

        Assert.Empty(JsonNode.Parse((await RunAsync("datasets", "list", "--json")).Out)!.AsArray());
    }

    [Fact]
    public async Task SeedIsIdempotent()
    {
        var first = await RunAsync("seed", "--demo", _demo);
        Assert.Equal(0, first.Code);
        Assert.Contains("churn v1 stored", first.Out);
        var second = await RunAsync("seed", "--demo", _demo);
        Assert.Contains("churn v1 already present", second.Out);
        var list = JsonNode.Parse((await RunAsync("datasets", "list", "--json")).Out)!.AsArray();
        Assert.Contains(list, d => d!["name"]!.GetValue<string>() == "churn" && d["versions"]!.AsArray().Count == 1);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SwarmAgentBot.sln"))) return dir.FullName;
        throw new InvalidOperationException("Repository root not found");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }
}
