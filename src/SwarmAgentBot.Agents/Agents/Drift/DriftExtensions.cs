using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Agents.Governance;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Ml.Drift;

namespace SwarmAgentBot.Agents.Agents.Drift;

/// <summary>Registers drift checks: <see cref="DriftOptions"/> from <c>Swarm:Drift</c> (validated at start), the detector, reports and the drift agent.</summary>
public static class DriftExtensions
{
    /// <summary>
    /// Adds the drift detector and its options, the report store, the reference builder, the checker, the drift agent,
    /// its lineage annotator and the <see cref="FeatureImportanceLookup"/> (needs the registry: <c>AddRegistryAgent()</c>).
    /// </summary>
    public static IHostApplicationBuilder AddDrift(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DriftOptions>().Bind(builder.Configuration.GetSection(DriftOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DriftOptions>>(new OptionsCheck<DriftOptions>(o => o.Validate()));
        builder.Services.AddSingleton(sp => new DriftDetector(sp.GetRequiredService<IOptions<DriftOptions>>().Value));
        foreach (var migration in DriftReportStore.Migrations) builder.Services.AddSingleton(migration);
        builder.Services.AddSingleton<DriftReportStore>();
        builder.Services.AddSingleton<DriftReference>();
        // Checks read the pods' shipped logs too; registered here as well so drift does not depend on registration order.
        builder.Services.TryAddSingleton<PredictionLogImporter>();
        builder.Services.AddSingleton<DriftChecker>();
        builder.Services.AddSingleton<DriftCards>();
        builder.Services.AddSingleton<DriftMonitor>();
        builder.Services.AddSingleton<ILineageAnnotator, DriftLineage>();
        builder.Services.AddSingleton<IAgent, DriftAgent>();
        builder.Services.AddSingleton<FeatureImportanceLookup>(sp => async (model, ct) =>
        {
            var server = sp.GetRequiredService<ModelServer>();
            var (name, version) = SplitModel(model);
            try
            {
                return await sp.GetRequiredService<DriftReference>().ImportanceAsync(await server.ResolveAsync(name, version, ct), ct);
            }
            catch (ModelNotFoundException)
            {
                return null;
            }
        });
        return builder;
    }

    /// <summary>Runs scheduled drift checks in the host (not in the CLI).</summary>
    public static IHostApplicationBuilder AddDriftMonitor(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DriftMonitor>());
        return builder;
    }

    /// <summary>"churn@production" → (churn, production); "churn:3" → (churn, 3); "churn" → (churn, latest).</summary>
    private static (string Name, string Version) SplitModel(string model)
    {
        var at = model.IndexOfAny(['@', ':']);
        return at < 0 ? (model, "latest") : (model[..at], model[(at + 1)..]);
    }
}
