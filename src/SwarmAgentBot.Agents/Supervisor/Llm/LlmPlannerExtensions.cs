using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Ports;

namespace SwarmAgentBot.Agents.Supervisor.Llm;

/// <summary>Registers the LLM planner (router and grounded answerer) over an <see cref="IChatModel"/>.</summary>
public static class LlmPlannerExtensions
{
    /// <summary>Binds and validates <c>Swarm:Llm</c> (an unset endpoint is valid: the LLM is off).</summary>
    public static IHostApplicationBuilder AddLlmOptions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LlmOptions>().Bind(builder.Configuration.GetSection(LlmOptions.Section)).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LlmOptions>>(new OptionsCheck<LlmOptions>(o => o.Validate())));
        return builder;
    }

    /// <summary>
    /// Makes the LLM plan every message: <see cref="LlmRouter"/> becomes the <see cref="IIntentRouter"/> and the router
    /// registered before this call (the rules router) becomes its fallback, under <see cref="LlmRouter.FallbackKey"/>;
    /// <see cref="LlmAnswerer"/> becomes the <see cref="IGroundedAnswerer"/>. Needs an <see cref="IChatModel"/> registration.
    /// Call it after the rules router's registration.
    /// </summary>
    public static IHostApplicationBuilder AddLlmPlanner(this IHostApplicationBuilder builder)
    {
        builder.AddLlmOptions();
        var services = builder.Services;
        services.TryAddSingleton(sp => SecretScrubber.FromConfiguration(sp.GetRequiredService<IConfiguration>()));

        var rules = services.LastOrDefault(d => d.ServiceType == typeof(IIntentRouter) && !d.IsKeyedService);
        var hasFallback = services.Any(d => d.ServiceType == typeof(IIntentRouter) && d.IsKeyedService && Equals(d.ServiceKey, LlmRouter.FallbackKey));
        if (rules is not null && !hasFallback) services.Add(AsFallback(rules));

        services.AddSingleton(sp => new LlmRouter(
            sp.GetRequiredService<IChatModel>(),
            sp.GetRequiredService<AgentCatalog>(),
            sp.GetKeyedService<IIntentRouter>(LlmRouter.FallbackKey)
                ?? throw new InvalidOperationException("Swarm:Llm:Endpoint is set, but no rules router is registered to fall back to: register it (builder.AddRulesRouter()) before builder.AddLlmOrchestration()."),
            sp.GetRequiredService<AuditLog>(),
            sp.GetRequiredService<SecretScrubber>(),
            sp.GetRequiredService<IOptions<LlmOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<LlmRouter>>()));
        services.AddSingleton<IIntentRouter>(sp => sp.GetRequiredService<LlmRouter>());
        services.AddSingleton<IGroundedAnswerer, LlmAnswerer>();
        return builder;
    }

    // The same registration, under the fallback key.
    private static ServiceDescriptor AsFallback(ServiceDescriptor d)
    {
        if (d.ImplementationInstance is { } instance)
            return new ServiceDescriptor(typeof(IIntentRouter), LlmRouter.FallbackKey, instance);
        if (d.ImplementationFactory is { } factory)
            return new ServiceDescriptor(typeof(IIntentRouter), LlmRouter.FallbackKey, (sp, _) => factory(sp), d.Lifetime);
        return new ServiceDescriptor(typeof(IIntentRouter), LlmRouter.FallbackKey, d.ImplementationType!, d.Lifetime);
    }
}
