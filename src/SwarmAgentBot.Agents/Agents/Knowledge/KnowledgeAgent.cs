using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SwarmAgentBot.Agents.Conversation;
using SwarmAgentBot.Agents.Metadata;
using SwarmAgentBot.Agents.Supervisor;

namespace SwarmAgentBot.Agents.Agents.Knowledge;

/// <summary>
/// Answers how-to, concept and policy questions (intent <c>knowledge.ask</c>) from the knowledge base
/// without a language model: the best passages, their key sentences in bold, each cited with a link to
/// its document and heading. When nothing relevant is found it says so and names the closest topics.
/// Documents are data: whatever a passage says, this agent only returns text; it never proposes or runs an action.
/// </summary>
public sealed class KnowledgeAgent(KnowledgeBase knowledge, IOptions<SwarmOptions> swarm, ILogger<KnowledgeAgent> logger, SwarmAgentBot.Agents.Supervisor.Llm.IGroundedAnswerer? answerer = null) : IAgent
{
    /// <summary>How long the first question after start-up waits for the first indexing run.</summary>
    public static readonly TimeSpan FirstIndexWait = TimeSpan.FromSeconds(15);

    /// <inheritdoc />
    public string Name => "knowledge";

    /// <inheritdoc />
    public IReadOnlyList<IntentDescriptor> Intents { get; } =
    [
        new("knowledge.ask", "Answers a how-to, concept or policy question from the knowledge base, citing the documents.",
            new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { ["question"] = new JsonObject { ["type"] = "string", ["description"] = "The question as the user asked it." } },
                ["required"] = new JsonArray("question"),
            },
            Examples: ["how do I roll back a model?", "what is PSI?", "who may approve a production deployment?"]),
    ];

    /// <inheritdoc />
    public async Task<AgentResult> HandleAsync(AgentRequest request, CancellationToken cancellationToken = default)
    {
        var question = request.Get("question")?.Trim() ?? "";
        if (question.Length == 0)
            return AgentResult.Fail("What would you like to know? Ask a question, e.g. \"how do I roll back a model?\" or \"what is PSI?\".");

        await knowledge.WaitForFirstRunAsync(FirstIndexWait, cancellationToken);
        if (knowledge.UnavailableReason is { } reason)
            return AgentResult.Fail($"The knowledge base is not available: {reason}. Ask your administrator to check Swarm:Knowledge:Path; everything else works as usual.");

        var options = knowledge.Options;
        var hits = await knowledge.Index.SearchAsync(question, Math.Max(options.TopK, 3), cancellationToken);
        var query = KnowledgeQuery.Parse(question);
        var relevant = hits.Where(h => h.Relevance >= options.MinScore).Take(options.TopK).ToList();
        logger.LogInformation("Knowledge question answered with {Relevant} of {Hits} passages (best relevance {Best})",
            relevant.Count, hits.Count, hits.Count > 0 ? hits[0].Relevance : 0);

        if (relevant.Count == 0) return AgentResult.Ok(await NothingFoundAsync(hits, cancellationToken));

        // With Swarm:Llm set, a model writes the answer from these passages only and cites them; when it
        // declines, cites nothing or is unavailable, the extractive answer below stands.
        if (answerer is not null)
        {
            var passages = relevant.Select(h => new SwarmAgentBot.Agents.Supervisor.Llm.GroundingPassage(
                string.IsNullOrEmpty(h.Heading) ? h.Title : $"{h.Title} › {h.Heading}", LinkTo(h), h.Text, h.Relevance)).ToList();
            var grounded = await answerer.AnswerAsync(question, passages, cancellationToken);
            if (grounded.Answered) return AgentResult.Ok(grounded.Text);
            logger.LogInformation("Grounded answer not used ({Reason}); answering extractively", grounded.FallbackReason);
        }

        var sb = new StringBuilder("Here is what the knowledge base says:\n");
        var n = 0;
        foreach (var hit in relevant)
        {
            sb.Append('\n').Append(++n).Append(". ").Append(Citation(hit)).Append('\n');
            sb.Append("> ").Append(KnowledgeSnippets.Highlighted(hit.Text, query)).Append('\n');
        }
        return AgentResult.Ok(sb.ToString().TrimEnd());
    }

    /// <inheritdoc />
    public Task<AgentResult> ExecuteApprovedAsync(ApprovedAction action, CancellationToken cancellationToken = default) =>
        Task.FromResult(AgentResult.Fail("The knowledge agent only answers questions; it has no actions to approve."));

    /// <summary>The link to a passage: <c>{PublicBaseUrl}/knowledge/{path}#{anchor}</c>.</summary>
    public string LinkTo(KnowledgeHit hit)
    {
        var path = string.Join('/', hit.Path.Split('/').Select(Uri.EscapeDataString));
        var url = $"{swarm.Value.PublicBaseUrl.TrimEnd('/')}/knowledge/{path}";
        return hit.Anchor.Length > 0 ? $"{url}#{hit.Anchor}" : url;
    }

    private string Citation(KnowledgeHit hit)
    {
        var label = hit.Heading.Length > 0 ? $"{hit.Title} › {hit.Heading}" : hit.Title;
        return $"[{EscapeLinkText(label)}]({LinkTo(hit)})";
    }

    private async Task<BotReply> NothingFoundAsync(IReadOnlyList<KnowledgeHit> near, CancellationToken cancellationToken)
    {
        var sb = new StringBuilder("I could not find an answer to that in the knowledge base, and I would rather not guess.");
        var topics = near.Select(h => (h.Title, Link: LinkTo(h with { Anchor = "" }))).DistinctBy(t => t.Link).Take(3).ToList();
        if (topics.Count > 0)
        {
            sb.Append(" The closest topics I have:");
            foreach (var t in topics) sb.Append("\n- [").Append(EscapeLinkText(t.Title)).Append("](").Append(t.Link).Append(')');
        }
        else
        {
            var all = await knowledge.Index.TopicsAsync(8, cancellationToken);
            if (all.Count > 0)
            {
                sb.Append(" Topics I can answer questions about include:");
                foreach (var (path, title) in all) sb.Append("\n- [").Append(EscapeLinkText(title)).Append("](").Append(LinkTo(new KnowledgeHit(path, title, "", "", 0, 0, "", ""))).Append(')');
            }
        }
        sb.Append("\n\nTry rephrasing with the words a document would use, or say \"help\" for what I can do.");
        return BotReply.Plain(sb.ToString());
    }

    private static string EscapeLinkText(string s) => s.Replace("[", "\\[", StringComparison.Ordinal).Replace("]", "\\]", StringComparison.Ordinal);
}
