using Microsoft.Extensions.FileProviders;
using SwarmAgentBot.Agents.Agents.Governance;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Agents.Storage;
using SwarmAgentBot.Agents.Agents.Training;
using SwarmAgentBot.Agents.Agents.Knowledge;
using SwarmAgentBot.Agents.Agents.Drift;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Host.Serving;
using SwarmAgentBot.Integrations;
using SwarmAgentBot.Host.Channels;
using SwarmAgentBot.Integrations.OpenAi;
using SwarmAgentBot.Agents.Supervisor.Routing;
using SwarmAgentBot.Host.Knowledge;

namespace SwarmAgentBot.Host;

/// <summary>
/// What the web host and every CLI command share: configuration from the one appsettings.json
/// (overridden by environment variables such as <c>Swarm__DataDir</c>) and the same services.
/// </summary>
public static class SwarmHosting
{
    /// <summary>Web host options: content root is the build output, where appsettings.json and wwwroot are copied.</summary>
    public static WebApplicationOptions WebOptions(string[] args) => new() { Args = args, ContentRootPath = AppContext.BaseDirectory };

    /// <summary>Adds every feature's services; one line per feature.</summary>
    public static IHostApplicationBuilder AddSwarm(this IHostApplicationBuilder builder)
    {
        builder.AddSwarmCore();
        builder.AddRulesRouter();
        builder.AddRegistryAgent();
        builder.AddTrainingAgent();
        builder.AddGovernanceAgent();
        builder.AddKnowledgeAgent();
        builder.AddDrift();
        builder.AddChannelSenders();
        builder.AddObjectStore();
        builder.AddStorageAgent();
        builder.AddPipelines();
        builder.AddLlmOrchestration();
        return builder;
    }

    /// <summary>Static files (the web chat page) and health endpoint.</summary>
    public static IHostApplicationBuilder AddSwarmWeb(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<StartupReadiness>();
        builder.Services.AddHostedService(services => services.GetRequiredService<StartupReadiness>());
        return builder;
    }

    /// <summary>Serves wwwroot (the web chat page), /healthz (the process answers) and /readyz (start-up work done: send traffic).</summary>
    public static WebApplication MapSwarmWeb(this WebApplication app)
    {
        var root = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (Directory.Exists(root))
        {
            var files = new PhysicalFileProvider(root);
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
            app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
        }
        app.MapKnowledge();
        app.MapCharts();
        app.MapGet("/healthz", (Microsoft.Extensions.Options.IOptions<SwarmOptions> o) => Results.Ok(new { status = "ok", dataDir = o.Value.DataDirFullPath }));
        app.MapGet("/readyz", (StartupReadiness readiness) => readiness.IsReady
            ? Results.Ok(new { status = "ready" })
            : Results.Json(new { status = "starting", reason = "start-up work (indexing the knowledge folder) is still running" }, statusCode: StatusCodes.Status503ServiceUnavailable));
        return app;
    }
}
