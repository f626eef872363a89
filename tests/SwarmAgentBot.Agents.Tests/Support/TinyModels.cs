using System.Globalization;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Ml.AutoMl;
using SwarmAgentBot.Ml.Tabular;

namespace SwarmAgentBot.Agents.Tests.Support;

/// <summary>Trains small real XGBoost models on generated churn-like data, for registry and serving tests.</summary>
public static class TinyModels
{
    /// <summary>A deterministic churn-like table: churn is likelier with short tenure and monthly contracts.</summary>
    public static TabularData ChurnTable(int rows = 300, int seed = 7)
    {
        var rng = new Random(seed);
        var data = new List<IReadOnlyList<string?>>();
        string[] contracts = ["monthly", "yearly", "two-year"];
        for (var i = 0; i < rows; i++)
        {
            var tenure = rng.Next(0, 72);
            var contract = contracts[rng.Next(3)];
            var charges = Math.Round(20 + rng.NextDouble() * 80, 2);
            var risk = (contract == "monthly" ? 0.5 : 0.1) + (tenure < 12 ? 0.3 : 0) - tenure / 200.0;
            var churn = rng.NextDouble() < risk ? "yes" : "no";
            data.Add([tenure.ToString(CultureInfo.InvariantCulture), contract, charges.ToString(CultureInfo.InvariantCulture), churn]);
        }
        return TabularData.FromRows(["tenure", "contract", "monthly_charges", "churn"], data, "churn.csv");
    }

    /// <summary>Trains a bundle quickly (a few trials) with a seed.</summary>
    public static async Task<ModelBundle> TrainAsync(int seed = 42)
    {
        var result = await new AutoMlTrainer().TrainAsync(ChurnTable(), new AutoMlOptions
        {
            Target = "churn", Metric = "f1", TimeBudget = TimeSpan.FromSeconds(5), Seed = seed, MaxTrials = 3, Threads = 1,
        }, null, CancellationToken.None);
        return result.Bundle;
    }

    /// <summary>Stores a bundle as a zip and registers it as the next version of <paramref name="model"/>.</summary>
    public static async Task<ModelVersion> RegisterAsync(ModelRegistry registry, IObjectStore store, ModelBundle bundle, string model = "churn", string by = "alice")
    {
        using var zip = new MemoryStream();
        await bundle.SaveAsync(zip);
        zip.Position = 0;
        var key = $"runs/test-{Guid.NewGuid():N}/bundle.zip";
        await store.PutAsync(key, zip);
        return await registry.RegisterAsync(new NewModelVersion(model, null, "churn.csv", 1, bundle.DatasetSha256, bundle.Task.ToString(), bundle.Metric,
            bundle.TestMetrics, key, ModelServer.ModelHash(bundle), by));
    }
}
