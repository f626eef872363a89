using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Supervisor;

namespace SwarmAgentBot.Agents.Tests.Support;

/// <summary>A router for supervisor tests: maps exact texts to routes, everything else to out_of_scope.</summary>
public sealed class ScriptedRouter : IIntentRouter
{
    private readonly Dictionary<string, Func<RouteResult>> _routes = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Adds a route for a text.</summary>
    public ScriptedRouter On(string text, string intent, JsonObject? entities = null, IReadOnlyList<RouteStep>? steps = null)
    {
        _routes[text] = () => new RouteResult { Agent = intent.Split('.')[0], Intent = intent, Entities = (JsonObject?)entities?.DeepClone() ?? new JsonObject(), Steps = steps };
        return this;
    }

    /// <inheritdoc />
    public Task<RouteResult> RouteAsync(string text, RoutingContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_routes.TryGetValue(text.Trim(), out var r) ? r() : new RouteResult { Agent = "out_of_scope", Intent = "out_of_scope" });
}
