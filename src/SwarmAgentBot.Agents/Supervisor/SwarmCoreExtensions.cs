using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using SwarmAgentBot.Agents.Agents.Help;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;

namespace SwarmAgentBot.Agents.Supervisor;

/// <summary>Registers the conversation loop: metadata store, audit log, approvals, supervisor.</summary>
public static class SwarmCoreExtensions
{
    /// <summary>Adds the core services every host and CLI command needs.</summary>
    public static IHostApplicationBuilder AddSwarmCore(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SwarmOptions>().Bind(builder.Configuration.GetSection(SwarmOptions.Section))
            .Validate(o => o.Validate() is null, "Swarm settings are invalid: check Swarm:DataDir and Swarm:MaxMessageLength.").ValidateOnStart();
        builder.Services.AddOptions<SecurityOptions>().Bind(builder.Configuration.GetSection(SecurityOptions.Section))
            .Validate(o => o.Validate() is null, "Swarm:Security:ApprovalTtl must be positive.").ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        foreach (var migration in CoreMigrations.All) builder.Services.AddSingleton(migration);
        builder.Services.AddSingleton<SwarmDatabase>();
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<ConversationStore>();
        builder.Services.AddSingleton<ApprovalStore>();
        builder.Services.AddSingleton<AgentCatalog>();
        builder.Services.AddSingleton<ApprovalGate>();
        builder.Services.AddSingleton<ProactiveMessenger>();
        builder.Services.AddSingleton<HelpResponder>();
        builder.Services.AddSingleton<Supervisor>();
        return builder;
    }
}
