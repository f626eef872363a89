using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Supervisor.Llm;

namespace SwarmAgentBot.Integrations.OpenAi;

/// <summary>Registers LLM orchestration over an OpenAI-compatible endpoint.</summary>
public static class DependencyInjection
{
    /// <summary>
    /// Binds <c>Swarm:Llm</c>. When <c>Swarm:Llm:Endpoint</c> is set, registers the OpenAI adapter as the
    /// <see cref="IChatModel"/> and the LLM planner as the router, with the router registered before this call as its
    /// fallback (so call it after the rules router's line). When it is not set, the rules router runs alone.
    /// </summary>
    public static IHostApplicationBuilder AddLlmOrchestration(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(LlmOptions.Section).Get<LlmOptions>() ?? new LlmOptions();
        if (!options.Enabled) return builder.AddLlmOptions();
        builder.Services.TryAddSingleton<IChatModel, OpenAiChatModel>();
        return builder.AddLlmPlanner();
    }
}
