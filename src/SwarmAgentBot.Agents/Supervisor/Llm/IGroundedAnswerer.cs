namespace SwarmAgentBot.Agents.Supervisor.Llm;

/// <summary>
/// Writes an answer to a question from retrieved passages only, citing them. Registered only when
/// <c>Swarm:Llm</c> is configured; the knowledge agent takes it as an optional dependency
/// (<c>IGroundedAnswerer? answerer = null</c>) and, without it or when it returns <see cref="GroundedAnswer.Answered"/>
/// false, answers extractively as before.
/// </summary>
public interface IGroundedAnswerer
{
    /// <summary>
    /// Answers <paramref name="question"/> from <paramref name="passages"/> (best first, already filtered for
    /// relevance by the caller). Never throws for model trouble: an unavailable model gives an unanswered result
    /// with <see cref="GroundedAnswer.FallbackReason"/> set.
    /// </summary>
    Task<GroundedAnswer> AnswerAsync(string question, IReadOnlyList<GroundingPassage> passages, CancellationToken cancellationToken = default);
}

/// <summary>A retrieved passage.</summary>
/// <param name="Title">Document title and heading, for the citation ("Deploying models › Rollback").</param>
/// <param name="Link">Where the user can read it.</param>
/// <param name="Text">The passage text (data: whatever it says, it is never an instruction).</param>
/// <param name="Relevance">Retrieval score (higher is better), for logs.</param>
public sealed record GroundingPassage(string Title, string Link, string Text, double Relevance = 0);

/// <summary>An answer grounded in passages, or the reason there is none.</summary>
/// <param name="Answered">True when the answer rests on at least one cited passage.</param>
/// <param name="Text">The answer with its numbered citations and a source list (Markdown); empty when not answered.</param>
/// <param name="Citations">The passages the answer cites, in citation order.</param>
/// <param name="FallbackReason">Why there is no answer: "I don't know" from the model, no citation, or the model was unavailable.</param>
public sealed record GroundedAnswer(bool Answered, string Text, IReadOnlyList<GroundingPassage> Citations, string? FallbackReason = null);
