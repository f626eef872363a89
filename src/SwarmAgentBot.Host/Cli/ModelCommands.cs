using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using SwarmAgentBot.Agents.Agents.Governance;
using SwarmAgentBot.Agents.Agents.Registry;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Supervisor;

namespace SwarmAgentBot.Host.Cli;

/// <summary>
/// <c>swarm models</c>, <c>swarm approvals</c> and <c>swarm lineage</c>: the registry and its
/// approvals for scripts. The same agents, roles and self-approval policy apply as in chat.
/// </summary>
public static class ModelCommands
{
    /// <summary>Creates <c>swarm models</c>.</summary>
    public static Command CreateModels(CliContext context)
    {
        var models = new Command("models", "List, deploy and roll back registered models.");

        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var list = new Command("list", "Registered models with versions, metrics and aliases.") { json };
        list.SetAction(async (ParseResult p, CancellationToken ct) =>
        {
            var registry = context.Get<ModelRegistry>();
            var aliases = await registry.ListAliasesAsync(cancellationToken: ct);
            var result = new List<object>();
            foreach (var name in await registry.ListModelsAsync(ct))
            {
                var versions = await registry.ListVersionsAsync(name, ct);
                result.Add(new
                {
                    name,
                    aliases = aliases.Where(a => a.ModelName == name).ToDictionary(a => a.Alias, a => a.Version),
                    versions = versions.Select(v => new { version = v.Version, run_id = v.RunId, dataset = v.DatasetName, dataset_version = v.DatasetVersion, task = v.Task, metric = v.Metric, metrics = v.Metrics, created_by = v.CreatedBy, created_at = v.CreatedAt }),
                });
            }
            if (p.GetValue(json)) context.WriteJson(result);
            else
                foreach (var name in await registry.ListModelsAsync(ct))
                    foreach (var v in await registry.ListVersionsAsync(name, ct))
                        await context.Out.WriteLineAsync($"{name} v{v.Version}  {v.Metric}={(v.Metrics.TryGetValue(v.Metric, out var m) ? m.ToString("0.####", CultureInfo.InvariantCulture) : "?")}  {string.Join(",", aliases.Where(a => a.ModelName == name && a.Version == v.Version).Select(a => a.Alias))}");
            return 0;
        });
        models.Subcommands.Add(list);

        var name = new Argument<string>("name") { Description = "Model name." };
        var version = new Option<int?>("--version") { Description = "Version to deploy (default: latest)." };
        var stage = new Option<string>("--stage") { Description = "staging, production or any alias.", Required = true };
        var user = new Option<string>("--as") { Description = "Who asks (a person in Swarm:Security).", Required = true };
        var deploy = new Command("deploy", "Request a deployment; prints the approval id.") { name, version, stage, user, json };
        deploy.SetAction((ParseResult p, CancellationToken ct) =>
        {
            var entities = new JsonObject { ["model"] = p.GetValue(name), ["stage"] = p.GetValue(stage) };
            if (p.GetValue(version) is { } v) entities["version"] = v;
            return RequestAsync(context, "registry.deploy_model", entities, p.GetValue(user)!, p.GetValue(json), ct);
        });
        models.Subcommands.Add(deploy);

        var rollbackName = new Argument<string>("name") { Description = "Model name." };
        var rollbackStage = new Option<string>("--stage") { Description = "The stage to roll back.", Required = true };
        var rollbackUser = new Option<string>("--as") { Description = "Who asks.", Required = true };
        var rollback = new Command("rollback", "Request a rollback of a stage to its previous version; prints the approval id.") { rollbackName, rollbackStage, rollbackUser, json };
        rollback.SetAction((ParseResult p, CancellationToken ct) =>
            RequestAsync(context, "registry.rollback", new JsonObject { ["model"] = p.GetValue(rollbackName), ["stage"] = p.GetValue(rollbackStage) }, p.GetValue(rollbackUser)!, p.GetValue(json), ct));
        models.Subcommands.Add(rollback);
        return models;
    }

    /// <summary>Creates <c>swarm approvals</c>.</summary>
    public static Command CreateApprovals(CliContext context)
    {
        var approvals = new Command("approvals", "List and decide approval requests.");
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var all = new Option<bool>("--all") { Description = "Every request, not only pending ones." };
        var list = new Command("list", "Pending approval requests (newest first).") { json, all };
        list.SetAction(async (ParseResult p, CancellationToken ct) =>
        {
            var requests = await context.Get<ApprovalStore>().ListAsync(p.GetValue(all) ? null : ApprovalStatus.Pending, ct);
            if (p.GetValue(json))
                context.WriteJson(requests.Select(r => new { id = r.Id, intent = r.Intent, summary = r.Summary, arguments = r.Arguments, required_role = r.RequiredRole, requested_by = r.RequestedBy, status = r.Status, created_at = r.CreatedAt, expires_at = r.ExpiresAt, decided_by = r.DecidedBy }));
            else
                foreach (var r in requests) await context.Out.WriteLineAsync($"#{r.Id} [{r.Status}] {r.Summary} — asked by {r.RequestedBy}, needs {r.RequiredRole}");
            return 0;
        });
        approvals.Subcommands.Add(list);
        approvals.Subcommands.Add(Decide(context, "approve", true));
        approvals.Subcommands.Add(Decide(context, "reject", false));
        return approvals;
    }

    /// <summary>Creates <c>swarm lineage NAME[:VERSION]</c>.</summary>
    public static Command CreateLineage(CliContext context)
    {
        var target = new Argument<string>("artifact") { Description = "A model (NAME or NAME:VERSION), or dataset:NAME, or run:ID." };
        var command = new Command("lineage", "Where an artifact came from and what it produced.") { target };
        command.SetAction(async (ParseResult p, CancellationToken ct) =>
        {
            var lineage = context.Get<LineageService>();
            var text = p.GetValue(target)!;
            LineageNode? tree;
            if (text.StartsWith("dataset:", StringComparison.Ordinal)) tree = await lineage.ForDatasetAsync(text["dataset:".Length..], ct);
            else if (text.StartsWith("run:", StringComparison.Ordinal) && long.TryParse(text[4..], out var run)) tree = await lineage.ForRunAsync(run, ct);
            else
            {
                var colon = text.LastIndexOf(':');
                int? version = colon > 0 && int.TryParse(text[(colon + 1)..].TrimStart('v'), out var v) ? v : null;
                tree = await lineage.ForModelAsync(version is null ? text : text[..colon], version, ct);
            }
            if (tree is null)
            {
                await context.Error.WriteLineAsync($"Nothing registered as {text}.");
                return 1;
            }
            await context.Out.WriteLineAsync(tree.Render());
            return 0;
        });
        return command;
    }

    private static Command Decide(CliContext context, string verb, bool approve)
    {
        var id = new Argument<long>("id") { Description = "Approval id." };
        var user = new Option<string>("--as") { Description = "Who decides (a person in Swarm:Security).", Required = true };
        var comment = new Option<string?>("--comment") { Description = "Why." };
        var command = new Command(verb, $"{(approve ? "Approve" : "Reject")} a pending request.") { id, user, comment };
        command.SetAction(async (ParseResult p, CancellationToken ct) =>
        {
            var who = p.GetValue(user)!;
            var reply = await context.Get<ApprovalGate>().DecideAsync(p.GetValue(id), approve, new ConversationRef("cli", "cli-" + who), who, p.GetValue(comment), ct);
            await context.Out.WriteLineAsync(TextCardRenderer.Render(reply));
            var request = await context.Get<ApprovalStore>().GetAsync(p.GetValue(id), ct);
            // Exit 0 only when this call decided it (approved and ran, or rejected).
            return request?.DecidedBy is { } decidedBy && string.Equals(decidedBy, context.Get<Microsoft.Extensions.Options.IOptions<SecurityOptions>>().Value.PersonFor("cli", who), StringComparison.OrdinalIgnoreCase)
                && request.Status is ApprovalStatus.Approved or ApprovalStatus.Rejected ? 0 : 1;
        });
        return command;
    }

    private static async Task<int> RequestAsync(CliContext context, string intent, JsonObject entities, string user, bool json, CancellationToken ct)
    {
        var result = await context.Get<Supervisor>().ExecuteIntentAsync(intent, entities, new ConversationRef("cli", "cli-" + user), new UserRef(user, user), ct);
        var approvalId = result.Remember?.GetValueOrDefault("approval_id");
        if (json) context.WriteJson(new { ok = result.Succeeded, approval_id = approvalId is null ? (long?)null : long.Parse(approvalId, CultureInfo.InvariantCulture), message = result.Reply.Text });
        else await context.Out.WriteLineAsync(approvalId is null ? TextCardRenderer.Render(result.Reply) : $"approval {approvalId}: {result.Reply.Text.Split('\n')[0]}");
        return result.Succeeded && approvalId is not null ? 0 : 1;
    }
}
