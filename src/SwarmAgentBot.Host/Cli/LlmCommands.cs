using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Ports;
using SwarmAgentBot.Agents.Supervisor;
using SwarmAgentBot.Agents.Supervisor.Llm;

namespace SwarmAgentBot.Host.Cli;

/// <summary><c>swarm llm</c>: check the configured language model and see how it plans a message.</summary>
public static class LlmCommands
{
    /// <summary>Creates the command.</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("llm", "The language model of Swarm:Llm (optional; without it the rules router plans).");

        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var check = new Command("check", "Send a tiny prompt and a tiny tool call to the configured endpoint; print the model, latency and token usage, or the error.") { json };
        check.SetAction(async (ParseResult parse, CancellationToken ct) => await CheckAsync(context, parse.GetValue(json), ct));
        command.Subcommands.Add(check);

        var text = new Argument<string>("text") { Description = "The message to plan." };
        var plan = new Command("plan", "Route one message with the configured router (the LLM when Swarm:Llm is set) and print the route as JSON.") { text };
        plan.SetAction(async (ParseResult parse, CancellationToken ct) =>
        {
            var route = await context.Get<IIntentRouter>().RouteAsync(parse.GetValue(text)!, RoutingContext.Empty, ct);
            await context.Out.WriteLineAsync(route.ToJson());
            await context.Error.WriteLineAsync($"reason: {route.Reason}{(route.Notice is null ? "" : $"\nnotice: {route.Notice}")}");
            return 0;
        });
        command.Subcommands.Add(plan);
        return command;
    }

    private static async Task<int> CheckAsync(CliContext context, bool asJson, CancellationToken ct)
    {
        var options = context.Get<IOptions<LlmOptions>>().Value;
        if (!options.Enabled)
        {
            await context.Out.WriteLineAsync("Swarm:Llm:Endpoint is not set: the rules router plans every message. To use a language model set Swarm:Llm:Endpoint and Swarm:Llm:Model, and the key in the environment (Swarm__Llm__ApiKey).");
            return 1;
        }
        var model = context.Get<IChatModel>();
        await context.Error.WriteLineAsync($"Checking {options}");

        var results = new JsonArray();
        var ok = true;
        foreach (var (name, request, accept) in Probes())
        {
            var watch = Stopwatch.StartNew();
            var result = new JsonObject { ["check"] = name };
            try
            {
                var completion = await model.CompleteAsync(request, ct);
                var problem = accept(completion);
                result["ok"] = problem is null;
                result["model"] = completion.Model;
                result["latency_ms"] = watch.ElapsedMilliseconds;
                result["input_tokens"] = completion.Usage.InputTokens;
                result["output_tokens"] = completion.Usage.OutputTokens;
                result["answer"] = completion.Text ?? string.Join(", ", completion.ToolCalls.Select(c => $"{c.Name}({c.ArgumentsJson})"));
                if (problem is not null) result["error"] = problem;
            }
            catch (ChatModelException ex)
            {
                result["ok"] = false;
                result["latency_ms"] = watch.ElapsedMilliseconds;
                result["error"] = ex.Message;
            }
            ok &= result["ok"]!.GetValue<bool>();
            results.Add(result);
            if (!asJson)
                await context.Out.WriteLineAsync(result["ok"]!.GetValue<bool>()
                    ? $"ok   {name}: {result["model"]} answered in {result["latency_ms"]} ms ({result["input_tokens"]} input + {result["output_tokens"]} output tokens): {result["answer"]}"
                    : $"FAIL {name} after {result["latency_ms"]} ms: {result["error"]}");
        }
        if (asJson) context.WriteJson(results);
        return ok ? 0 : 1;
    }

    // A plain answer, then a forced tool call: planning needs both.
    private static IEnumerable<(string Name, ChatRequest Request, Func<ChatCompletion, string?> Accept)> Probes()
    {
        yield return ("chat", new ChatRequest([ChatMessage.System("Reply with the single word OK."), ChatMessage.User("ping")], [], Temperature: 0, MaxOutputTokens: 10),
            c => string.IsNullOrWhiteSpace(c.Text) ? "the model answered no text" : null);
        var tool = new ChatToolDefinition("report_status", "Reports a status word.", new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { ["status"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("ok") } },
            ["required"] = new JsonArray("status"),
        });
        yield return ("tool calling", new ChatRequest([ChatMessage.System("Call report_status with status ok."), ChatMessage.User("status?")], [tool], ChatToolMode.Required, 0, 50),
            c => c.ToolCalls.Any(t => t.Name == "report_status") ? null : "the model did not call the tool; the planner needs tool calling (function calling) support");
    }
}
