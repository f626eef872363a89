using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Agents.Help;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;

namespace SwarmAgentBot.Agents.Supervisor;

/// <summary>
/// The conversation loop: routes each message (rules or LLM, behind <see cref="IIntentRouter"/>),
/// hands it to the agent that serves the intent, sends mutating actions through the approval gate,
/// runs multi-step plans with their conditions, and remembers what the conversation produced.
/// </summary>
public sealed partial class Supervisor(
    IIntentRouter router,
    AgentCatalog catalog,
    ApprovalGate gate,
    ConversationStore conversations,
    AuditLog audit,
    SwarmDatabase database,
    HelpResponder help,
    IOptions<SwarmOptions> options,
    ILogger<Supervisor> logger)
{
    /// <summary>The most steps one plan may run (a guard against runaway plans).</summary>
    public const int MaxSteps = 6;

    /// <summary>Handles one user message and returns the replies for it, in order.</summary>
    public async Task<IReadOnlyList<BotReply>> HandleAsync(IncomingMessage message, CancellationToken cancellationToken = default)
    {
        var text = (message.Text ?? "").Trim();
        if (message.Value is { } value && await HandleCardActionAsync(message, value, cancellationToken) is { } cardReply)
            return [cardReply];

        if (text.Length == 0 && message.Files.Count == 0)
            return [BotReply.Plain("I got an empty message. Say \"help\" to see what I can do.")];
        var max = options.Value.MaxMessageLength;
        if (text.Length > max)
            return [BotReply.Plain($"That message is {text.Length:N0} characters long; I take at most {max:N0}. Please shorten it or attach the content as a file.")];

        var state = await conversations.GetAsync(message.Conversation, cancellationToken);
        var route = await router.RouteAsync(text.Length == 0 ? "upload this file" : text, new RoutingContext(state.History, state.Memory), cancellationToken);
        LogRouted(message.Conversation, route.Intent, route.Reason);

        var turn = new TurnContext(message.Conversation, message.From, state.Memory);
        var replies = new List<BotReply>();
        // Request verification: agents that can check a step up front (does the dataset exist?) do so before any step runs.
        var problems = await Verification.VerifyRequestAsync(catalog, [(route.Intent, route.Entities), .. (route.Steps ?? []).Select(s => (s.Intent, s.Entities))], cancellationToken);
        if (problems.Count > 0)
        {
            replies.Add(BotReply.Plain("I did not start anything, because:\n" + string.Join("\n", problems.Select(p => "- " + p))));
        }
        else
        {
            var first = await RunStepAsync(route.Intent, route.Entities, turn, message, cancellationToken);
            replies.Add(first.Reply);
            Remember(state, first);

            if (route.Steps is { Count: > 0 } steps)
            {
                if (first.ContinuationKey is { } key && first.Succeeded)
                    await ParkAsync(key, message.Conversation, message.From.Id, steps, cancellationToken);
                else
                    replies.AddRange(await RunStepsAsync(steps, first, route.Entities, state, turn, message, cancellationToken));
            }
            else if (first.Succeeded && Verification.CheckResult(route.Entities, first.Metrics) is { } missed)
            {
                replies.Add(BotReply.Plain($"Note: {missed}."));
            }
        }
        // A router's remark for the user (e.g. that the language model was unavailable and the rules router answered).
        if (route.Notice is { Length: > 0 } notice) replies[0] = replies[0] with { Text = $"{replies[0].Text}\n\n{notice}" };

        if (text.Length > 0) state.History.Add(text);
        await conversations.SaveAsync(state, cancellationToken);
        return replies;
    }

    /// <summary>
    /// Continues a plan parked under <paramref name="continuationKey"/> once its background work
    /// has finished; returns the replies (the caller posts them proactively). No plan → no replies.
    /// </summary>
    public async Task<IReadOnlyList<BotReply>> ResumePlanAsync(string continuationKey, bool succeeded, IReadOnlyDictionary<string, double> metrics, IReadOnlyDictionary<string, string> remember, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(string conv, string user, string steps)?>(
            "DELETE FROM parked_plans WHERE continuation_key = @continuationKey RETURNING conversation_json, user_id, steps_json", new { continuationKey });
        if (row is null) return [];
        var conversation = JsonSerializer.Deserialize<ConversationRef>(row.Value.conv)!;
        var steps = JsonSerializer.Deserialize<List<RouteStep>>(row.Value.steps) ?? [];
        var state = await conversations.GetAsync(conversation, cancellationToken);
        foreach (var (k, v) in remember) state.Memory[k] = v;
        if (!succeeded)
        {
            await conversations.SaveAsync(state, cancellationToken);
            return [BotReply.Plain($"The rest of the plan ({string.Join(", ", steps.Select(s => s.Intent))}) was not run because the earlier step did not succeed.")];
        }
        var previous = new AgentResult { Reply = BotReply.Plain(""), Metrics = metrics, Remember = remember };
        var user = new UserRef(row.Value.user);
        var message = new IncomingMessage(conversation, user, "");
        var replies = await RunStepsAsync(steps, previous, null, state, new TurnContext(conversation, user, state.Memory), message, cancellationToken);
        await conversations.SaveAsync(state, cancellationToken);
        return replies;
    }

    // previousAsked: the entities of the step that produced `previous` (null when resumed from a parked plan).
    private async Task<List<BotReply>> RunStepsAsync(IReadOnlyList<RouteStep> steps, AgentResult previous, JsonObject? previousAsked, ConversationState state, TurnContext turn, IncomingMessage message, CancellationToken cancellationToken)
    {
        var replies = new List<BotReply>();
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            if (i >= MaxSteps) { replies.Add(BotReply.Plain($"I stopped after {MaxSteps} steps; ask again for the rest.")); break; }
            if (!previous.Succeeded) { replies.Add(BotReply.Plain($"I did not go on to {step.Intent} because the step before it did not succeed.")); break; }
            // Result verification: the step before must have kept what the user asked (e.g. its time budget).
            if (Verification.CheckResult(previousAsked, previous.Metrics) is { } missed) { replies.Add(BotReply.Plain($"I did not go on to {step.Intent}: {missed}.")); break; }
            if (step.Condition is { } condition)
            {
                var check = CheckCondition(condition, previous.Metrics);
                if (!check.Met) { replies.Add(BotReply.Plain($"I did not run {step.Intent}: {check.Reason}")); break; }
                replies.Add(BotReply.Plain($"Condition met ({check.Reason}); going on with {step.Intent}."));
            }
            var entities = step.Entities.DeepClone().AsObject();
            // "then deploy it": fill what the step leaves open from what the conversation just produced.
            foreach (var name in new[] { "model", "version", "dataset", "run_id" })
                if (!entities.ContainsKey(name) && state.Memory.TryGetValue(name, out var remembered))
                    entities[name] = name == "version" && int.TryParse(remembered, out var v) ? v : remembered;
            var result = await RunStepAsync(step.Intent, entities, turn with { Memory = state.Memory }, message, cancellationToken);
            replies.Add(result.Reply);
            Remember(state, result);
            if (result.ContinuationKey is { } key && i + 1 < steps.Count)
            {
                await ParkAsync(key, turn.Conversation, turn.User.Id, steps.Skip(i + 1).ToList(), cancellationToken);
                break;
            }
            if (i + 1 == steps.Count && result.Succeeded && Verification.CheckResult(entities, result.Metrics) is { } lastMissed)
                replies.Add(BotReply.Plain($"Note: {lastMissed}."));
            previous = result;
            previousAsked = entities;
        }
        return replies;
    }

    /// <summary>
    /// Runs one intent with given entities for a user, without routing (the CLI's scripted
    /// commands). The same agents, approval gate and audit apply as in chat.
    /// </summary>
    public Task<AgentResult> ExecuteIntentAsync(string intent, JsonObject entities, ConversationRef conversation, UserRef user, CancellationToken cancellationToken = default) =>
        RunStepAsync(intent, entities, new TurnContext(conversation, user, new Dictionary<string, string>()), new IncomingMessage(conversation, user, ""), cancellationToken);

    private async Task<AgentResult> RunStepAsync(string intent, JsonObject entities, TurnContext turn, IncomingMessage message, CancellationToken cancellationToken, bool handedOver = false)
    {
        switch (intent)
        {
            case "help": return AgentResult.Ok(help.Help(entities["topic"]?.ToString()));
            case "greeting": return AgentResult.Ok(help.Greeting(message.Text));
            case "out_of_scope": return AgentResult.Ok(help.OutOfScope());
            case "approvals.list_pending": return AgentResult.Ok(await ListPendingAsync(cancellationToken));
            case "approvals.approve":
            case "approvals.reject":
                return await DecideByTextAsync(intent == "approvals.approve", entities, turn, cancellationToken);
        }

        var target = catalog.Find(intent);
        if (target is null)
            return AgentResult.Fail($"I understood that as **{intent}**, but that capability is not set up in this installation yet. Say \"help\" to see what works today.");

        var person = turn.User.Name ?? turn.User.Id;
        AgentResult result;
        try
        {
            result = await target.Value.Agent.HandleAsync(new AgentRequest(intent, entities, turn) { Attachments = message.Files }, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Agent {Agent} failed on {Intent}", target.Value.Agent.Name, intent);
            return AgentResult.Fail($"Something went wrong while handling {intent}: {ex.Message}. Nothing was changed.");
        }

        // One hop only: an agent handed a request it passed on cannot pass it back.
        if (result.HandOver is { } next)
        {
            logger.LogInformation("Agent {Agent} handed {Intent} over to {NextIntent}", target.Value.Agent.Name, intent, next.Intent);
            if (!handedOver) return await RunStepAsync(next.Intent, next.Entities, turn, message, cancellationToken, handedOver: true);
            return AgentResult.Fail($"I could not tell which kind of request that was ({intent} or {next.Intent}). Please say which, e.g. \"status of training run 3\" or \"status of pipeline run 3\".");
        }

        if (result.Approval is { } proposal)
        {
            var (request, reply) = await gate.ProposeAsync(proposal, turn, result.Reply.Text, cancellationToken);
            var remember = new Dictionary<string, string>(result.Remember ?? new Dictionary<string, string>()) { ["approval_id"] = request.Id.ToString(CultureInfo.InvariantCulture) };
            return result with { Reply = reply, Remember = remember };
        }
        await audit.AppendAsync(person, intent, ResourceOf(entities),
            new JsonObject { ["entities"] = entities.DeepClone(), ["succeeded"] = result.Succeeded, ["conversation"] = turn.Conversation.Key }, cancellationToken: cancellationToken);
        return result;
    }

    private async Task<BotReply?> HandleCardActionAsync(IncomingMessage message, JsonObject value, CancellationToken cancellationToken)
    {
        var verb = value["verb"]?.ToString() ?? value["action"]?.ToString();
        switch (verb)
        {
            case "approve":
            case "reject":
                if (!long.TryParse(value["approval_id"]?.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
                    return BotReply.Plain("That button did not carry an approval id; nothing was done.");
                return await gate.DecideAsync(id, verb == "approve", message.Conversation, message.From.Id, value["comment"]?.ToString(), cancellationToken);
            case "choose":
                // A clarifying choice: the button carries the full message to run as if typed.
                if (value["text"]?.ToString() is { Length: > 0 } chosen)
                {
                    var replies = await HandleAsync(message with { Text = chosen, Value = null }, cancellationToken);
                    return replies.Count == 1 ? replies[0] : new BotReply(string.Join("\n\n", replies.Select(r => r.Text)), replies.SelectMany(r => r.AllCards).ToList());
                }
                return null;
            default:
                return null;
        }
    }

    private async Task<AgentResult> DecideByTextAsync(bool approve, JsonObject entities, TurnContext turn, CancellationToken cancellationToken)
    {
        var raw = entities["approval_id"]?.ToString();
        if (raw is null)
        {
            var pending = await gate.PendingAsync(cancellationToken);
            if (pending.Count == 1) raw = pending[0].Id.ToString(CultureInfo.InvariantCulture);
            else return AgentResult.Fail(pending.Count == 0 ? "Nothing is waiting for approval." : $"Which one? Pending: {string.Join(", ", pending.Select(p => $"#{p.Id} ({p.Summary})"))}.");
        }
        if (!long.TryParse(raw.TrimStart('#'), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
            return AgentResult.Fail($"\"{raw}\" is not an approval number. Say \"pending approvals\" to see them.");
        var reply = await gate.DecideAsync(id, approve, turn.Conversation, turn.User.Id, entities["comment"]?.ToString(), cancellationToken);
        return AgentResult.Ok(reply);
    }

    private async Task<BotReply> ListPendingAsync(CancellationToken cancellationToken)
    {
        var pending = await gate.PendingAsync(cancellationToken);
        if (pending.Count == 0) return BotReply.Plain("Nothing is waiting for approval.");
        return new BotReply($"{pending.Count} approval(s) waiting:", pending.Take(10).Select(ApprovalCards.Pending).ToList());
    }

    private async Task ParkAsync(string key, ConversationRef conversation, string userId, IReadOnlyList<RouteStep> steps, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "INSERT OR REPLACE INTO parked_plans (continuation_key, conversation_json, user_id, steps_json, created_at) VALUES (@key, @conv, @userId, @steps, @at)",
            new { key, conv = JsonSerializer.Serialize(conversation), userId, steps = JsonSerializer.Serialize(steps), at = DateTimeOffset.UtcNow.ToString("O") });
    }

    private static void Remember(ConversationState state, AgentResult result)
    {
        if (result.Remember is null) return;
        foreach (var (k, v) in result.Remember) state.Memory[k] = v;
    }

    private static string? ResourceOf(JsonObject entities)
    {
        if (entities["model"] is { } m) return "model:" + m;
        if (entities["dataset"] is { } d) return "dataset:" + d;
        if (entities["run_id"] is { } r) return "run:" + r;
        if (entities["pipeline"] is { } p) return "pipeline:" + p;
        return null;
    }

    /// <summary>Evaluates "metric op number" (op: &gt;=, &gt;, &lt;=, &lt;, ==) against a step's metrics.</summary>
    public static (bool Met, string Reason) CheckCondition(string condition, IReadOnlyDictionary<string, double>? metrics)
    {
        var m = ConditionPattern().Match(condition);
        if (!m.Success) return (false, $"I could not read the condition \"{condition}\".");
        var name = m.Groups[1].Value.ToLowerInvariant();
        var op = m.Groups[2].Value;
        var bound = double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
        if (metrics is null || !metrics.TryGetValue(name, out var actual))
            return (false, $"the step before did not report {name}, so \"{condition}\" cannot be checked.");
        var met = op switch { ">=" => actual >= bound, ">" => actual > bound, "<=" => actual <= bound, "<" => actual < bound, _ => Math.Abs(actual - bound) < 1e-12 };
        return (met, $"{name} = {actual.ToString("0.####", CultureInfo.InvariantCulture)}, needed {op} {bound.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>True when <see cref="CheckCondition"/> can read the condition ("metric op number").</summary>
    public static bool IsReadableCondition(string condition) => ConditionPattern().IsMatch(condition);

    [GeneratedRegex(@"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|==|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")]
    private static partial Regex ConditionPattern();

    // Debug, not Information: one line per chat message floods the default log and costs the hot path
    // (actions are in the audit log). Generated, so nothing is formatted or boxed unless Debug is on.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Routed {ConversationKey} to {Intent} ({Reason})")]
    private partial void LogRouted(string conversationKey, string intent, string? reason);

    private void LogRouted(ConversationRef conversation, string intent, string? reason)
    {
        if (logger.IsEnabled(LogLevel.Debug)) LogRouted(conversation.Key, intent, reason);
    }
}
