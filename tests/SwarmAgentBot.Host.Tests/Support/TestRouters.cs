using SwarmAgentBot.Agents.Supervisor;

namespace SwarmAgentBot.Host.Tests.Support;

/// <summary>Routes "help" to help and everything else to out_of_scope (for channel plumbing tests).</summary>
public sealed class HelpOnlyRouter : IIntentRouter
{
    /// <inheritdoc />
    public Task<RouteResult> RouteAsync(string text, RoutingContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(text.Trim().Equals("help", StringComparison.OrdinalIgnoreCase)
            ? new RouteResult { Agent = "help", Intent = "help" }
            : new RouteResult { Agent = "out_of_scope", Intent = "out_of_scope" });
}
