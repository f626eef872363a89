using static SwarmAgentBot.Agents.Supervisor.Routing.Concept;

namespace SwarmAgentBot.Agents.Supervisor.Routing;

/// <summary>
/// When the rules router asks its learned classifier (<see cref="IntentModel"/>) for a second opinion, and how sure
/// the classifier must be to change the rules' answer. The defaults were picked by leave-one-file-out cross-validation
/// over the labelled files (<c>./build.sh bench nlu --cv --grid</c>).
/// </summary>
/// <param name="RescueProbability">The rules found no request (out_of_scope): the classifier names a request with at least this probability.</param>
/// <param name="VetoProbability">The rules picked an action from weak cues, outside a conversation and naming nothing concrete: the classifier says out_of_scope with at least this probability.</param>
/// <param name="SwitchProbability">The rules picked an action (or an open MLOps question) from weak cues: the classifier names another one with at least this probability.</param>
/// <param name="WeakRuleConfidence">Scored rule decisions below this confidence count as weak (the rules' confidence is 0.5 + margin/8).</param>
/// <param name="OverruleProbability">Any scored rule decision, weak or not (but not a mutating one): the classifier names another request with at least this probability.</param>
/// <param name="ClassifierOnly">For evaluation only: every piece takes the classifier's intent, with no guard at all.</param>
public sealed record BlendThresholds(double RescueProbability, double VetoProbability, double SwitchProbability, double WeakRuleConfidence,
    double OverruleProbability = 2, bool ClassifierOnly = false)
{
    /// <summary>The thresholds the router uses by default.</summary>
    public static BlendThresholds Default { get; } = new(0.80, 0.90, 0.85, 0.70, 0.90);

    /// <summary>The classifier alone decides (to measure how it generalises); never for real traffic.</summary>
    public static BlendThresholds ClassifierAlone { get; } = new(0, 0, 0, double.MaxValue, 0, ClassifierOnly: true);
}

/// <summary>
/// Combines the rules' decision on a message's one request with the learned classifier's guess. The rules stay the
/// first word: fixed checks (greeting, help, explicit off-topic subjects, how-to questions) are never overridden, and
/// a mutating intent is never chosen on the classifier's word alone.
/// </summary>
internal static class ClassifierBlend
{
    /// <summary>Why a decision came from the classifier (so traces show it).</summary>
    public const string LearnedReason = "learned classifier";

    public static Decision Combine(Decision rules, Utterance u, Mentions m, bool inConversation, Lazy<IntentModel>? model, BlendThresholds thresholds)
    {
        if (model is null) return rules;
        if (thresholds.ClassifierOnly)
        {
            var only = model.Value.Predict(u);
            return new Decision(only.Intent, $"{LearnedReason}: {only.Intent} p={only.Probability:0.00}", only.Probability);
        }

        var rescue = rules is { Intent: Intents.OutOfScope, Reason: IntentClassifier.NoRequest };
        var openQuestion = rules is { Intent: Intents.Ask, Reason: IntentClassifier.OpenQuestion };
        var scored = rules.Reason.StartsWith(IntentClassifier.ScoredReason, StringComparison.Ordinal);
        // Fixed checks (greeting, help, off-topic subjects, how-to questions) are the rules' own; only guesses are open to a second opinion.
        if (!rescue && !openQuestion && !scored) return rules;
        var weak = openQuestion || scored && rules.Confidence < thresholds.WeakRuleConfidence;

        var guess = model.Value.Predict(u);
        if (guess.Intent == rules.Intent) return rules;
        if (rescue)
        {
            // Off-topic chat must never become an action on a weak guess; a mutating one needs its own verb and a named subject.
            if (guess.Probability < thresholds.RescueProbability || guess.Intent is Intents.Greeting or Intents.Help) return rules;
            if (IsMutating(guess.Intent) && !(HasCue(guess.Intent, u) && m.Concrete)) return rules;
            return Learned(guess);
        }
        if (guess.Intent == Intents.OutOfScope)
        {
            // Only weak cues are vetoed: a named dataset, model or run is a request about it, whatever the phrasing, and a short
            // line in a conversation ("how's it going?") is often a follow-up the classifier cannot see.
            return weak && guess.Probability >= thresholds.VetoProbability && !m.Concrete && !inConversation
                ? new Decision(Intents.OutOfScope, IntentClassifier.NoRequest, guess.Probability)
                : rules;
        }
        if (!IsAction(guess.Intent) && guess.Intent != Intents.Ask) return rules;
        if (weak ? guess.Probability < Math.Min(thresholds.SwitchProbability, thresholds.OverruleProbability)
                 : guess.Probability < thresholds.OverruleProbability || IsMutating(rules.Intent)) return rules;
        // Switching into a mutating intent needs the rules' own cue for it; switching away from a clear one is never done.
        if (IsMutating(guess.Intent) && !HasCue(guess.Intent, u)) return rules;
        return Learned(guess);
    }

    private static Decision Learned(IntentGuess guess) =>
        new(guess.Intent, $"{LearnedReason}: {guess.Intent} p={guess.Probability:0.00}", guess.Probability);

    private static bool IsAction(string intent) => intent is not (Intents.Greeting or Intents.Help or Intents.OutOfScope or Intents.Ask);

    /// <summary>The intents that change something (and go through approval): the classifier never picks these on its own.</summary>
    public static bool IsMutating(string intent) => intent is Intents.DeleteDataset or Intents.DeployModel or Intents.Rollback or Intents.CancelRun
        or Intents.RetrainModel or Intents.Approve or Intents.Reject;

    private static bool HasCue(string intent, Utterance u) => u.Has(intent switch
    {
        Intents.DeleteDataset => Delete,
        Intents.DeployModel => Deploy,
        Intents.Rollback => Rollback,
        Intents.CancelRun => Cancel,
        Intents.RetrainModel => Retrain,
        Intents.Approve => Approve,
        Intents.Reject => Reject,
        _ => None,
    });
}
