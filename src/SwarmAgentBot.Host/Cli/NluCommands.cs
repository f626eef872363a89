using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Agents.Supervisor.Routing;

namespace SwarmAgentBot.Host.Cli;

/// <summary>
/// <c>swarm nlu "text" [--json] [--context "earlier message" ...]</c> routes one message and prints the route;
/// <c>swarm nlu --batch FILE</c> (or <c>-</c> for stdin) routes one <c>{"text":..., "context":[...]}</c> object per line
/// and prints one intents.md JSON object per line, in order.
/// </summary>
public static class NluCommands
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var text = new Argument<string?>("text") { Description = "The message to route.", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "Print exactly the intents.md JSON object." };
        var earlier = new Option<string[]>("--context") { Description = "An earlier user message of the conversation (repeat, oldest first).", AllowMultipleArgumentsPerToken = false };
        var batch = new Option<string?>("--batch") { Description = "Route every line of a JSONL file ({\"text\":..., \"context\":[...]}); - reads stdin." };
        var command = new Command("nlu", "Show how the router reads a message (intent, entities, steps).") { text, json, earlier, batch };
        command.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var router = context.Get<IIntentRouter>();
            if (parse.GetValue(batch) is { } file) return await RunBatchAsync(router, file, context, ct);
            if (parse.GetValue(text) is not { } message)
            {
                await context.Error.WriteLineAsync("Give a message to route, e.g. swarm nlu \"deploy churn-model v3 to prod\" --json, or --batch FILE.");
                return 2;
            }
            var routing = await RoutingMemory.FromHistoryAsync(router, parse.GetValue(earlier) ?? [], ct);
            var route = await router.RouteAsync(message, routing, ct);
            if (parse.GetValue(json)) await context.Out.WriteLineAsync(route.ToJson());
            else
            {
                await context.Out.WriteLineAsync($"{route.Intent}  {route.Entities.ToJsonString(RouteJson.Options)}");
                foreach (var step in route.Steps ?? [])
                    await context.Out.WriteLineAsync($"  then {step.Intent}  {step.Entities.ToJsonString(RouteJson.Options)}{(step.Condition is null ? "" : "  if " + step.Condition)}");
                if (route.ResolvedFromContext is { Count: > 0 } resolved) await context.Out.WriteLineAsync($"  from context: {string.Join(", ", resolved)}");
                await context.Out.WriteLineAsync($"  ({route.Reason})");
            }
            return 0;
        });
        return command;
    }

    private static async Task<int> RunBatchAsync(IIntentRouter router, string file, CliContext context, CancellationToken ct)
    {
        TextReader reader;
        if (file == "-") reader = context.In;
        else if (File.Exists(file)) reader = new StreamReader(file);
        else
        {
            await context.Error.WriteLineAsync($"No such file: {file}");
            return 2;
        }
        var failures = 0;
        var lineNo = 0;
        try
        {
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                lineNo++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                string? message;
                List<string> history;
                try
                {
                    var o = JsonNode.Parse(line) as JsonObject ?? throw new JsonException("not a JSON object");
                    message = o["text"]?.GetValue<string>();
                    history = o["context"] is JsonArray a ? a.Select(n => n?.GetValue<string>() ?? "").ToList() : [];
                }
                catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
                {
                    message = null;
                    history = [];
                    await context.Error.WriteLineAsync($"line {lineNo}: {ex.Message}");
                }
                if (message is null)
                {
                    // Keep one output line per input line so results stay aligned with their inputs.
                    failures++;
                    await context.Out.WriteLineAsync(new JsonObject { ["error"] = $"line {lineNo}: expected {{\"text\": \"...\", \"context\": [...]}}" }.ToJsonString(RouteJson.Options));
                    continue;
                }
                var routing = await RoutingMemory.FromHistoryAsync(router, history, ct);
                var route = await router.RouteAsync(message, routing, ct);
                await context.Out.WriteLineAsync(route.ToJson());
            }
        }
        finally
        {
            if (!ReferenceEquals(reader, context.In)) reader.Dispose();
        }
        return failures == 0 ? 0 : 1;
    }
}
