using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace SwarmAgentBot.Agents.Supervisor.Routing;

/// <summary>Registers the rules router.</summary>
public static class RulesRouterExtensions
{
    /// <summary>
    /// Adds <see cref="RulesRouter"/> as the <see cref="IIntentRouter"/> singleton. It uses TryAdd, so a router
    /// registered earlier (the LLM planner, when Swarm:Llm is configured) keeps precedence.
    /// </summary>
    public static IHostApplicationBuilder AddRulesRouter(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(_ => new RulesRouter());
        builder.Services.TryAddSingleton<IIntentRouter>(sp => sp.GetRequiredService<RulesRouter>());
        return builder;
    }
}
