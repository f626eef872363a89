using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SwarmAgentBot.Agents.Supervisor.Routing;

/// <summary>
/// The deterministic router (no LLM): splits a message into steps, classifies each piece with
/// <see cref="IntentClassifier"/>, normalises entities with <see cref="EntityExtractor"/>, answers short
/// follow-ups ("and for staging?") by reusing the previous request, and fills what the message leaves
/// open ("deploy it") from the conversation's memory, listing those names in <c>resolved_from_context</c>.
/// Stateless and thread-safe; one message routes in microseconds.
/// </summary>
public sealed partial class RulesRouter : IIntentRouter
{
    private const int MaxFollowUpDepth = 3;

    private readonly Lazy<IntentModel>? _model;
    private readonly BlendThresholds _thresholds;

    /// <summary>
    /// The router with its learned classifier (<see cref="IntentModel.Default"/>) and the default thresholds. The classifier
    /// is trained when a message first reaches it, not here: most messages never need it, and a CLI call routing one clear
    /// message should not pay for training.
    /// </summary>
    public RulesRouter() : this(IntentModel.DefaultOnFirstUse, BlendThresholds.Default)
    {
    }

    /// <summary>A router consulting <paramref name="model"/> where the rules are weak (null: the rules alone).</summary>
    public RulesRouter(IntentModel? model, BlendThresholds thresholds)
        : this(model is null ? null : new Lazy<IntentModel>(model), thresholds)
    {
    }

    private RulesRouter(Lazy<IntentModel>? model, BlendThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        _model = model;
        _thresholds = thresholds;
    }

    /// <inheritdoc />
    public Task<RouteResult> RouteAsync(string text, RoutingContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Route(text, context));

    /// <summary>Routes one message synchronously (the same as <see cref="RouteAsync"/>). Never throws.</summary>
    public RouteResult Route(string? text, RoutingContext? context = null)
    {
        context ??= RoutingContext.Empty;
        try
        {
            return RouteCore(text, context, 0);
        }
        catch (Exception ex) when (ex is not (OutOfMemoryException or OperationCanceledException))
        {
            // A router bug must never take the conversation down: answer politely instead of guessing an action.
            return new RouteResult { Agent = Intents.OutOfScope, Intent = Intents.OutOfScope, Reason = "router error: " + ex.Message, Confidence = 0 };
        }
    }

    private RouteResult RouteCore(string? raw, RoutingContext context, int depth)
    {
        var cleaned = ChatText.Clean(raw);
        if (cleaned.Length == 0)
            return new RouteResult { Agent = Intents.OutOfScope, Intent = Intents.OutOfScope, Reason = "empty message", Confidence = 1 };

        // Each text is analysed once per message: the splitter's checks and the pieces often read the same text.
        var analyses = new Dictionary<string, (Utterance U, Mentions M, Decision D)>(StringComparer.Ordinal);
        (Piece Piece, Utterance U, Mentions M, Decision D) Analyse(Piece piece)
        {
            if (!analyses.TryGetValue(piece.Text, out var a))
            {
                var u = Utterance.Analyse(piece.Text);
                var m = EntityExtractor.Scan(u);
                analyses[piece.Text] = a = (u, m, IntentClassifier.Classify(u, m));
            }
            return (piece, a.U, a.M, a.D);
        }

        var pieces = StepSplitter.Split(cleaned, text => IsAction(Analyse(new Piece(text.Trim(), null, text)).D.Intent));
        var single = new List<(Piece Piece, Utterance U, Mentions M, Decision D)>(pieces.Count);
        foreach (var piece in pieces)
        {
            var current = Analyse(piece);
            // A monitoring request's "alert if psi is over 0.2" is its threshold, not a condition on a step.
            if (current.D.Intent == Intents.ConfigureMonitoring && piece.Condition is not null)
                current = Analyse(piece with { Text = piece.Original, Condition = null });
            single.Add(current);
        }
        // "I retrained churn-model yesterday. Now deploy fraud-xgb v2": what someone did is context for the request beside it.
        if (single.Count > 1)
            for (var i = 0; i < single.Count; i++)
                if (IsAction(single[i].D.Intent) && IntentClassifier.IsNarrative(single[i].U) && single.Where((_, k) => k != i).Any(a => IsAction(a.D.Intent)))
                    single[i] = single[i] with { D = new Decision(Intents.OutOfScope, IntentClassifier.NoRequest, 0.6) };
        // "run automl on sensors.csv, predict failure, 45 sec budget": after a training request "predict <column>" names its target.
        for (var i = 1; i < single.Count; i++)
            if (single[i].D.Intent == Intents.Predict && single[i - 1].D.Intent == Intents.TrainModel && single[i].Piece.Condition is null
                && single[i].M is { Names.Count: 0, Dataset: null, ModelHint: null, Stage: null, Pairs.Count: 0 } && single[i].U.Words.Length <= 8
                && EntityPatterns.TargetPredicting().IsMatch(single[i].Piece.Text))
                single[i] = single[i] with { D = new Decision(Intents.OutOfScope, IntentClassifier.NoRequest, 0.6) };
        // "monitor X every hour, alert above 0.2" / "lgtm, approve 23": consecutive pieces with one intent are one request
        // (each run of them is analysed once, so a long message costs a bounded number of analyses).
        var analysed = new List<(Piece Piece, Utterance U, Mentions M, Decision D)>(single.Count);
        for (var i = 0; i < single.Count;)
        {
            var j = i + 1;
            while (j < single.Count && single[j].Piece.Condition is null
                   && (single[j].D.Intent == single[i].D.Intent || IsBareRunReference(single[j].U, single[j].M) && Intents.EntitiesOf(single[i].D.Intent).Contains("run_id"))) j++;
            analysed.Add(j == i + 1 ? single[i] : Analyse(Join(single.GetRange(i, j - i).Select(a => a.Piece), ", ")));
            i = j;
        }
        // "Hi! Can you list datasets?": a greeting before (or after) the request is not the request.
        if (analysed.Count > 1 && analysed.Any(a => a.D.Intent != Intents.Greeting))
            analysed.RemoveAll(a => a.D.Intent == Intents.Greeting);

        // "We got a new extract this morning. Train a model on it ...": sentences that ask nothing before the request are not the
        // request, but what they name may be its details (read after the request's own words, so those come first).
        var leading = 0;
        while (leading < analysed.Count && analysed[leading].D is { Intent: Intents.OutOfScope, Reason: IntentClassifier.NoRequest }) leading++;
        if (leading > 0 && leading < analysed.Count && IsAction(analysed[leading].D.Intent))
        {
            var request = analysed[leading];
            analysed[leading] = Analyse(Join(analysed.Take(leading).Select(a => a.Piece).Prepend(request.Piece), ". ")) with { D = request.D };
            analysed.RemoveRange(0, leading);
        }
        // "The marketing team signed off on it last week. Could you promote version 7 of propensity to production?": an off-topic
        // lead-in before a request that names what it acts on (any of its entities), and points back at nothing, is background.
        var offTopicLead = 0;
        while (offTopicLead < analysed.Count && analysed[offTopicLead].D is { Intent: Intents.OutOfScope, Reason: IntentClassifier.OffTopicSubject }) offTopicLead++;
        if (offTopicLead > 0 && offTopicLead < analysed.Count && analysed[offTopicLead] is var (_, leadU, leadM, leadD)
            && IsAction(leadD.Intent) && !leadU.Has(Concept.Anaphora) && BuildEntities(leadD.Intent, leadU, leadM, analysed[offTopicLead].Piece.Text).Count > 0)
            analysed.RemoveRange(0, offTopicLead);
        // Something off-topic is answered politely as a whole; its "then deploy it" is never acted on.
        if (analysed[0].D.Intent == Intents.OutOfScope) analysed.RemoveRange(1, analysed.Count - 1);
        // "Fit a model on housing. The target is price, it's a regression. Half an hour is plenty.": sentences after a request
        // that ask for nothing themselves are its details; they may also sharpen it ("... drifting? show me the history").
        for (var i = 0; i < analysed.Count; i++)
        {
            if (!IsAction(analysed[i].D.Intent)) continue;
            var j = i + 1;
            while (j < analysed.Count && !IsAction(analysed[j].D.Intent)) j++;
            if (j == i + 1) continue;
            var request = analysed[i];
            var merged = Analyse(Join(analysed.GetRange(i, j - i).Select(a => a.Piece), ". "));
            var sharper = IsAction(merged.D.Intent) && Intents.AgentOf(merged.D.Intent) == Intents.AgentOf(request.D.Intent);
            analysed[i] = sharper ? merged : merged with { D = request.D };
            analysed.RemoveRange(i + 1, j - i - 1);
        }
        var (_, mainU, mainM, decision) = analysed[0];
        // The learned classifier gives a second opinion on one request (it learned whole messages); how a message splits into
        // steps, and what each step is, stays with the rules.
        // A bare "why?" in a conversation is about the previous request, which the classifier cannot see (handled below).
        if (analysed.Count == 1 && !(context.PreviousUserMessages.Count > 0 && IsBareWhy(mainU)))
            decision = ClassifierBlend.Combine(decision, mainU, mainM, context.PreviousUserMessages.Count > 0, _model, _thresholds);
        var entities = BuildEntities(decision.Intent, mainU, mainM, cleaned);
        var resolved = new List<string>();
        // The previous message routed in its own context, once: several follow-up readings below may need it.
        RouteResult? previousRoute = null;
        RouteResult PreviousRoute() => previousRoute ??= RouteCore(context.PreviousUserMessages[^1],
            new RoutingContext(context.PreviousUserMessages.Take(context.PreviousUserMessages.Count - 1).ToList(), context.Memory), depth + 1);
        var intent = decision.Intent;
        var reason = decision.Reason;

        if (depth < MaxFollowUpDepth && context.PreviousUserMessages.Count > 0 && IsFollowUp(mainU, decision) is true)
        {
            // "try again but with 20 seconds" after "train ...", "is 1 done?": it repeats the work asked for, not the status check after it.
            var previous = RepeatLead().IsMatch(mainU.Canon) ? LastWorkRequest(context, depth, PreviousRoute) ?? PreviousRoute() : PreviousRoute();
            if (IsAction(previous.Intent))
            {
                intent = previous.Intent;
                reason = "follow-up of the previous request (" + previous.Intent + ")";
                entities = BuildEntities(intent, mainU, mainM, cleaned);
                // "and 42?" after "status of run 41": the number is the next run, not a detail to drop.
                if (!entities.ContainsKey("run_id") && Intents.EntitiesOf(intent).Contains("run_id") && BareNumber(mainU) is { } nextRun)
                    entities["run_id"] = nextRun;
                // "now do income" after a histogram of age: the one new word is the next column.
                if (intent is Intents.PlotDataset or Intents.ProfileDataset && !entities.ContainsKey("column") && FollowUpColumn(mainU, cleaned) is { } column)
                {
                    entities["column"] = column;
                    previous.Entities.Remove("column2");
                }
                if (entities.ContainsKey("model") && !entities.ContainsKey("version")) previous.Entities.Remove("version");
                if (entities.ContainsKey("dataset") && !entities.ContainsKey("bucket")) previous.Entities.Remove("bucket");
                foreach (var (key, value) in previous.Entities)
                    if (!entities.ContainsKey(key)) { entities[key] = value?.DeepClone(); resolved.Add(key); }
                if (previous.ResolvedFromContext is { } earlierResolved)
                    foreach (var key in earlierResolved) if (!resolved.Contains(key) && entities.ContainsKey(key)) resolved.Add(key);
            }
        }

        // "42?" alone after "status of run 41" (or after "which run?"): the same question about that run. Only for requests about
        // one run: a number after "train …" or "deploy …" starts nothing.
        if (depth < MaxFollowUpDepth && !IsAction(intent) && context.PreviousUserMessages.Count > 0 && BareNumber(mainU) is { } runNumber)
        {
            var previous = PreviousRoute();
            if (previous.Intent is Intents.RunStatus or Intents.RunLogs or Intents.TrainingStatus or Intents.Leaderboard)
            {
                intent = previous.Intent;
                reason = "the same question about another run (" + previous.Intent + ")";
                entities = new JsonObject { ["run_id"] = runNumber };
                foreach (var (key, value) in previous.Entities)
                    if (key != "run_id" && !entities.ContainsKey(key)) { entities[key] = value?.DeepClone(); resolved.Add(key); }
            }
        }

        // "ok run it", "sure, kick it off" after "describe feature-backfill": start the pipeline just talked about.
        if (depth < MaxFollowUpDepth && !IsAction(intent) && context.PreviousUserMessages.Count > 0 && IsStartThatOne(mainU))
        {
            var previous = PreviousRoute();
            if (previous.Intent.StartsWith("pipeline.", StringComparison.Ordinal) && previous.Entities.TryGetPropertyValue("pipeline", out var pipeline) && pipeline is not null)
            {
                intent = Intents.RunPipeline;
                reason = "start what the previous request was about (" + previous.Intent + ")";
                entities = BuildEntities(intent, mainU, mainM, cleaned);
                entities["pipeline"] = pipeline.DeepClone();
                resolved.Add("pipeline");
            }
        }

        // "what's the root cause?" / "why?" after a drift check asks why it drifted; after a run, why the run failed.
        if (depth < MaxFollowUpDepth && !IsAction(intent) && context.PreviousUserMessages.Count > 0 && IsBareWhy(mainU))
        {
            var previous = PreviousRoute().Intent;
            var why = previous.StartsWith("drift.", StringComparison.Ordinal) ? Intents.ExplainDrift
                : previous is Intents.RunStatus or Intents.RunLogs or Intents.ListRuns or Intents.TrainingStatus ? Intents.RunLogs : null;
            if (why is not null)
            {
                intent = why;
                reason = "a why question about the previous request (" + previous + ")";
                entities = BuildEntities(intent, mainU, mainM, cleaned);
            }
        }

        intent = RefineStatus(intent, mainU, mainM, context);
        // "plot a histogram of revenue": the chart's one word is its column, not a dataset named "revenue".
        if (intent == Intents.PlotDataset && !mainM.DatasetIsFile && entities["dataset"] is JsonValue plotted && entities["column"] is JsonValue charted
            && string.Equals(plotted.ToString(), charted.ToString(), StringComparison.OrdinalIgnoreCase))
            entities.Remove("dataset");
        ResolveFromMemory(intent, entities, mainU, context.Memory, resolved);
        // "preview sales_q3.csv" then "plot a histogram of revenue": a column-level request leaving the dataset open is about the
        // dataset the previous request named.
        if (depth < MaxFollowUpDepth && intent is Intents.PlotDataset or Intents.ProfileDataset or Intents.PreviewDataset
            && !entities.ContainsKey("dataset") && !entities.ContainsKey("bucket") && context.PreviousUserMessages.Count > 0)
        {
            var previous = PreviousRoute();
            if (previous.Intent.StartsWith("storage.", StringComparison.Ordinal) && previous.Entities["dataset"] is JsonValue earlierDataset && !previous.Entities.ContainsKey("bucket"))
            {
                entities["dataset"] = earlierDataset.DeepClone();
                if (!resolved.Contains("dataset")) resolved.Add("dataset");
            }
        }
        if (intent == Intents.CompareRuns && !entities.ContainsKey("run_ids") && RecentRunIds(context.PreviousUserMessages) is { Count: >= 2 } recent)
        {
            // "compare them" after talking about run 5 and run 6.
            entities["run_ids"] = new JsonArray(recent.Select(id => (JsonNode?)JsonValue.Create(id)).ToArray());
            resolved.Add("run_ids");
        }

        List<RouteStep>? steps = null;
        foreach (var (piece, u, m, d) in analysed.Skip(1))
        {
            if (!IsAction(d.Intent)) continue;
            // "is run 88 reproducible? replay it and compare": reproducing a run already compares it with the original.
            if (intent == Intents.ReproduceRun && d.Intent == Intents.CompareRuns && m.RunIds.Count == 0) continue;
            steps ??= [];
            steps.Add(new RouteStep { Agent = Intents.AgentOf(d.Intent), Intent = d.Intent, Entities = BuildEntities(d.Intent, u, m, piece.Text), Condition = piece.Condition });
        }

        return new RouteResult
        {
            Agent = Intents.AgentOf(intent),
            Intent = intent,
            Entities = entities,
            Steps = steps,
            ResolvedFromContext = resolved.Count > 0 ? resolved : null,
            Reason = steps is null ? reason : $"{reason}; then {string.Join(", ", steps.Select(s => s.Intent))}",
            Confidence = decision.Confidence,
        };
    }

    /// <summary>Pieces read as one: their texts joined, the first one's condition.</summary>
    private static Piece Join(IEnumerable<Piece> pieces, string separator)
    {
        var list = pieces as IReadOnlyList<Piece> ?? pieces.ToList();
        return new Piece(string.Join(separator, list.Select(p => p.Text)), list[0].Condition, string.Join(separator, list.Select(p => p.Original)));
    }

    private static bool IsAction(string intent) => intent is not (Intents.Greeting or Intents.Help or Intents.OutOfScope or Intents.Ask);

    /// <summary>"and for staging?", "what about v4?", "same for run 13": a lead-in and nothing but entities.</summary>
    private static bool? IsFollowUp(Utterance u, Decision decision)
    {
        if (!FollowUpLead().IsMatch(u.Canon)) return false;
        if (!IsAction(decision.Intent) || decision.Confidence < 0.6) return true;
        // The piece names its own action ("and deploy it"): not a follow-up.
        // "how about its progress now", "what about the history": a status or a history is a request of its own too.
        return !u.Has(Concept.Status | Concept.History | Concept.Deploy | Concept.Train | Concept.Drift | Concept.Predict | Concept.Logs | Concept.Cancel | Concept.Rollback
            | Concept.Profile | Concept.Plot | Concept.Preview | Concept.Evaluate | Concept.Lineage | Concept.Leaderboard | Concept.Audit
            | Concept.Reproduce | Concept.Retrain | Concept.Delete | Concept.Upload | Concept.Monitor | Concept.Compare | Concept.Approve | Concept.Reject);
    }

    /// <summary>The column a short follow-up names ("now do income", "what about tenure?"): its last word, when no keyword or stop word.</summary>
    private static string? FollowUpColumn(Utterance u, string text)
    {
        if (u.Words.Length > 5) return null;
        var words = text.Split([' ', '?', '!', '.', ','], StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) return null;
        var last = words[^1];
        var lower = last.ToLowerInvariant();
        if (lower is "too" or "next" or "now" or "instead" or "please" or "pls" && words.Length > 1) { last = words[^2]; lower = last.ToLowerInvariant(); }
        return last.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_') && char.IsAsciiLetter(last[0]) && !EntityPatterns.Stop.Contains(last)
            && !Lexicon.Words.ContainsKey(lower) ? last : null;
    }

    /// <summary>
    /// The latest of the last few earlier messages that asked for work to be done (not a status or a listing), routed in its own
    /// context; the latest one through <paramref name="previousRoute"/>, which the caller may already have routed.
    /// </summary>
    private RouteResult? LastWorkRequest(RoutingContext context, int depth, Func<RouteResult> previousRoute)
    {
        var earlier = context.PreviousUserMessages;
        for (var i = earlier.Count - 1; i >= 0 && i >= earlier.Count - 4; i--)
        {
            var route = i == earlier.Count - 1 ? previousRoute() : RouteCore(earlier[i], new RoutingContext(earlier.Take(i).ToList(), context.Memory), depth + 1);
            if (IsAction(route.Intent) && !IsLookup(route.Intent)) return route;
        }
        return null;
    }

    /// <summary>Intents that only look something up (a status, logs, a listing): repeating one "with 20 minutes" makes no sense.</summary>
    private static bool IsLookup(string intent) => intent is Intents.RunStatus or Intents.TrainingStatus or Intents.RunLogs or Intents.Leaderboard
        or Intents.ListRuns or Intents.ListPending or Intents.ListDeployments or Intents.ListModels or Intents.ListDatasets or Intents.ListPipelines;

    /// <summary>"run 7", "job #12": a piece that only names a run (the subject of the status question before it).</summary>
    private static bool IsBareRunReference(Utterance u, Mentions m) =>
        m.RunIds.Count == 1 && u.Words.Length <= 3 && u.Words.All(w => w is "?" or "." or "," || (Lexicon.Of(w) & (Concept.RunNoun | Concept.Filler)) != 0 || w.TrimStart('#') == m.RunIds[0]);

    /// <summary>The one number of a line that says nothing else ("42?", "and #42", "what about 42"), or null.</summary>
    private static string? BareNumber(Utterance u)
    {
        if (u.Words.Length is 0 or > 4) return null;
        string? number = null;
        foreach (var w in u.Words)
        {
            var digits = w.TrimStart('#');
            if (digits.Length is > 0 and <= 9 && digits.All(char.IsAsciiDigit))
            {
                if (number is not null) return null;
                number = digits;
            }
            else if (w is not ("?" or "." or "," or "and" or "or" or "what" or "how" or "about" or "also")) return null;
        }
        return number;
    }

    /// <summary>"ok run it", "start that one", "go ahead and kick it off": a short line starting something it only points back to.</summary>
    private static bool IsStartThatOne(Utterance u) =>
        u.Has(Concept.Start) && u.Has(Concept.Anaphora) && u.Words.Length <= 8 && u.UnknownWords <= 1
        && !u.Has(Concept.Train | Concept.Retrain | Concept.Reproduce | Concept.Deploy | Concept.Drift | Concept.Evaluate | Concept.OffTopic);

    /// <summary>"why?", "how come", "what's the root cause?": a why question naming nothing else.</summary>
    private static bool IsBareWhy(Utterance u) =>
        u.Has(Concept.Why) && !u.Has(Concept.Drift | Concept.Model | Concept.Train | Concept.Predict | Concept.Deploy | Concept.Pipeline | Concept.Ml | Concept.OffTopic | Concept.Code)
        && u.UnknownWords <= 1;

    /// <summary>The run ids of the latest earlier messages that name runs, oldest first, until there are two (or the latest message's own list).</summary>
    private static List<string> RecentRunIds(IReadOnlyList<string> previousMessages)
    {
        var ids = new List<string>();
        for (var i = previousMessages.Count - 1; i >= 0 && i >= previousMessages.Count - 4 && ids.Count < 2; i--)
        {
            var found = new List<string>();
            EntityExtractor.ScanRunIds(NumberWords.ToDigits(ChatText.Clean(previousMessages[i])), found);
            ids.InsertRange(0, found.Where(id => !ids.Contains(id)));
        }
        return ids;
    }

    /// <summary>"how is it going?" after a training request is a training run, after a pipeline run a pipeline run.</summary>
    private static string RefineStatus(string intent, Utterance u, Mentions m, RoutingContext context)
    {
        if (intent != Intents.RunStatus || u.Has(Concept.Pipeline)) return intent;
        if (context.PreviousUserMessages.Count > 0)
        {
            var last = Utterance.Analyse(ChatText.Clean(context.PreviousUserMessages[^1]));
            if (last.Has(Concept.Pipeline) || last.Says(" xnamex ") && last.Has(Concept.Start)) return intent;
            // "is 42 done?" right after a training request asks about that training run, named or not.
            if (last.Has(Concept.Train | Concept.Retrain)) return Intents.TrainingStatus;
        }
        if (m.RunIds.Count > 0) return intent;
        if (context.Memory.ContainsKey("pipeline")) return intent;
        return context.Memory.ContainsKey("run_id") && (context.Memory.ContainsKey("dataset") || context.Memory.ContainsKey("model"))
            ? Intents.TrainingStatus : intent;
    }

    /// <summary>A dataset named without ".csv" or the word "dataset", for intents that act on one; null when none is clear.</summary>
    private static string? BareDatasetName(string intent, string text, Mentions m)
    {
        string? Pick(System.Text.RegularExpressions.Regex pattern)
        {
            foreach (System.Text.RegularExpressions.Match match in pattern.Matches(text))
            {
                var n = match.Groups["n"].Value;
                // "train a churn model on churn": after "on" the word names the data even when it also names the model.
                var sameAsModel = n.Equals(m.ModelHint, StringComparison.OrdinalIgnoreCase) && intent != Intents.TrainModel;
                if (EntityPatterns.IsNameWord(n) && !m.Names.Contains(n) && !sameAsModel) return n;
            }
            return null;
        }
        return intent switch
        {
            Intents.TrainModel or Intents.EvaluateModel or Intents.RetrainModel => Pick(EntityPatterns.DatasetAfterPreposition()),
            Intents.PreviewDataset or Intents.ProfileDataset or Intents.DeleteDataset => Pick(EntityPatterns.DatasetAfterVerb()) ?? Pick(EntityPatterns.DatasetAtEnd()),
            Intents.PlotDataset => Pick(EntityPatterns.DatasetAtEnd()),
            _ => null,
        };
    }

    /// <summary>Builds the entities an intent takes from what a piece mentions.</summary>
    internal static JsonObject BuildEntities(string intent, Utterance u, Mentions m, string pieceText)
    {
        var o = new JsonObject();
        var text = u.Text;
        foreach (var key in Intents.EntitiesOf(intent))
        {
            switch (key)
            {
                case "dataset":
                    var dataset = m.Dataset ?? (intent == Intents.UploadDataset ? m.UploadName ?? m.DatasetHint : m.DatasetHint) ?? BareDatasetName(intent, pieceText, m);
                    if (dataset is not null) o["dataset"] = dataset;
                    break;
                case "bucket":
                    if (m.Bucket is not null) o["bucket"] = m.Bucket;
                    else if (intent == Intents.UploadDataset && EntityPatterns.UploadBucketAtEnd().Match(text) is { Success: true } into) o["bucket"] = into.Groups["n"].Value;
                    break;
                case "prefix":
                    if (m.Prefix is not null) o["prefix"] = m.Prefix;
                    break;
                case "rows":
                    if (EntityPatterns.Rows().Match(text) is { Success: true } rows && int.TryParse(rows.Groups["n"].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var r)) o["rows"] = r;
                    break;
                case "column":
                    var (c1, c2) = intent == Intents.PlotDataset ? EntityExtractor.PlotColumns(text) : (EntityExtractor.ProfileColumn(text), null);
                    if (c1 is not null) o["column"] = c1;
                    if (c2 is not null && Intents.EntitiesOf(intent).Contains("column2")) o["column2"] = c2;
                    break;
                case "target":
                    if (EntityExtractor.Target(text, intent == Intents.TrainModel) is { } target) o["target"] = target;
                    break;
                case "run_id":
                    if (m.RunIds.Count > 0) o["run_id"] = m.RunIds[0];
                    break;
                case "run_ids":
                    // "compare 303 and 304 runs": the numbers come before the word "runs".
                    var ids = m.RunIds.Count >= 2 ? m.RunIds : EntityPatterns.BareNumber().Matches(text).Select(x => x.Groups["id"].Value).Distinct().ToList();
                    if (ids.Count < 2) ids = m.RunIds;
                    if (ids.Count > 0) o["run_ids"] = new JsonArray(ids.Select(id => (JsonNode?)JsonValue.Create(id)).ToArray());
                    break;
                case "model":
                    var model = m.Names.FirstOrDefault(n => !IntentClassifier.PipelineLike(n)) ?? m.ModelHint ?? (intent.StartsWith("pipeline.", StringComparison.Ordinal) ? null : m.Names.FirstOrDefault());
                    if (model is not null && intent != Intents.TrainModel) o["model"] = model;
                    break;
                case "pipeline":
                    var pipeline = m.Names.FirstOrDefault(IntentClassifier.PipelineLike) ?? m.PipelineHint ?? m.Names.FirstOrDefault();
                    if (pipeline is not null) o["pipeline"] = pipeline;
                    break;
                case "version":
                    if (m.Version is { } v) o["version"] = v;
                    else if (m.Latest) o["version"] = "latest";
                    break;
                case "stage":
                    if (m.Stage is not null) o["stage"] = m.Stage;
                    break;
                case "metric":
                    if (m.Metric is not null) o["metric"] = m.Metric;
                    break;
                case "task":
                    foreach (var w in u.Words)
                    {
                        if (w is "classification" or "classifier" or "classify" or "binary" or "multiclass") { o["task"] = "classification"; break; }
                        if (w is "regression" or "regressor") { o["task"] = "regression"; break; }
                    }
                    break;
                case "time_budget_s":
                    if (EntityExtractor.DurationSeconds(text) is { } seconds) o["time_budget_s"] = seconds;
                    else if (m.Pairs.FirstOrDefault(p => p.Key.StartsWith("time_budget", StringComparison.OrdinalIgnoreCase)).Value is { } tb) o["time_budget_s"] = tb.DeepClone();
                    break;
                case "window":
                    if (m.Window is not null) o["window"] = m.Window;
                    break;
                case "schedule":
                    if (m.Schedule is not null) o["schedule"] = m.Schedule;
                    break;
                case "threshold":
                    if (EntityExtractor.Threshold(text) is { } threshold) o["threshold"] = threshold;
                    break;
                case "params":
                    if (EntityExtractor.Params(text, m) is { } p) o["params"] = p;
                    break;
                case "record":
                    if (EntityExtractor.Record(text, m) is { } record) o["record"] = record;
                    break;
                case "status":
                    if (EntityExtractor.RunStatus(u) is { } status) o["status"] = status;
                    break;
                case "step":
                    if (EntityExtractor.Step(text) is { } step) o["step"] = step;
                    break;
                case "user":
                    if (EntityExtractor.AuditUser(text) is { } user) o["user"] = user;
                    break;
                case "action":
                    if (EntityExtractor.AuditAction(u) is { } action) o["action"] = action;
                    break;
                case "approval_id" when intent == Intents.ListPending:
                    // "show me approval 204": the one request asked about (a bare number is not enough here).
                    if (EntityExtractor.NamedApprovalId(text) is { } named) o["approval_id"] = named;
                    break;
                case "approval_id":
                    var (id, comment) = EntityExtractor.Approval(text);
                    if (id is not null) o["approval_id"] = id;
                    if (comment is not null) o["comment"] = comment;
                    break;
                case "topic":
                    if (EntityExtractor.HelpTopic(u) is { } topic) o["topic"] = topic;
                    break;
                case "question":
                    o["question"] = pieceText.Trim();
                    break;
            }
        }
        // A model name given with key=value ("model=churn-model") counts too.
        foreach (var (k, v) in m.Pairs)
        {
            var key = intent == Intents.TrainModel ? EntityExtractor.TrainingKey(k) ?? k.ToLowerInvariant() : k.ToLowerInvariant();
            if (intent is Intents.RunPipeline or Intents.Predict || !Intents.EntitiesOf(intent).Contains(key) || o.ContainsKey(key)) continue;
            o[key] = key switch
            {
                "version" when v is JsonValue jv && jv.TryGetValue<long>(out var n) => (int)n,
                "stage" => EntityExtractor.StageOf(v?.ToString() ?? "") ?? v?.ToString(),
                _ => v?.DeepClone(),
            };
        }
        return o;
    }

    /// <summary>
    /// Fills what the intent needs and the message left open from the conversation's memory: the subject
    /// of the request ("deploy it" → the remembered model, and its version when the model came from memory too).
    /// Filters of list requests are filled only when the message points back ("show its runs").
    /// </summary>
    private static void ResolveFromMemory(string intent, JsonObject entities, Utterance u, IReadOnlyDictionary<string, string> memory, List<string> resolved)
    {
        if (memory.Count == 0) return;
        var anaphora = u.Has(Concept.Anaphora);
        bool Fill(string key)
        {
            if (entities.ContainsKey(key) || !memory.TryGetValue(key, out var value) || string.IsNullOrWhiteSpace(value)) return false;
            entities[key] = key == "version" && int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : value;
            resolved.Add(key);
            return true;
        }
        void FillModel(bool withVersion)
        {
            if (Fill("model") && withVersion) Fill("version");
        }

        switch (intent)
        {
            case Intents.PreviewDataset or Intents.ProfileDataset or Intents.DeleteDataset or Intents.PlotDataset or Intents.TrainModel:
                if (!entities.ContainsKey("bucket")) Fill("dataset");
                break;
            case Intents.DescribePipeline or Intents.RunPipeline:
                Fill("pipeline");
                break;
            case Intents.RunStatus or Intents.RunLogs or Intents.CancelRun or Intents.TrainingStatus or Intents.ReproduceRun:
                Fill("run_id");
                break;
            case Intents.Leaderboard:
                if (!entities.ContainsKey("model") && !Fill("run_id")) Fill("model");
                break;
            case Intents.ListArtifacts:
                if (!entities.ContainsKey("model") && !entities.ContainsKey("run_id") && !Fill("run_id")) FillModel(true);
                break;
            case Intents.ExplainModel or Intents.EvaluateModel or Intents.DeployModel:
                FillModel(true);
                break;
            case Intents.Rollback:
                // "roll it back": the model and the stage the conversation was about.
                Fill("model");
                if (anaphora) Fill("stage");
                break;
            case Intents.CompareRuns when anaphora && entities["run_ids"] is JsonArray { Count: 1 } one && memory.TryGetValue("run_id", out var earlierRun)
                && !string.Equals(one[0]?.ToString(), earlierRun, StringComparison.OrdinalIgnoreCase):
                // "compare it with run 89": the run being talked about, then the one named.
                one.Insert(0, JsonValue.Create(earlierRun));
                resolved.Add("run_ids");
                break;
            case Intents.RetrainModel or Intents.Predict or Intents.CheckDrift or Intents.ExplainDrift or Intents.DriftHistory or Intents.ConfigureMonitoring:
                Fill("model");
                break;
            case Intents.Lineage:
                if (!entities.ContainsKey("model") && !entities.ContainsKey("dataset") && !entities.ContainsKey("run_id"))
                {
                    if (memory.ContainsKey("model")) FillModel(true);
                    else if (!Fill("run_id")) Fill("dataset");
                }
                break;
            case Intents.Approve or Intents.Reject:
                Fill("approval_id");
                break;
            case Intents.ListModels or Intents.AuditLog or Intents.ListDeployments:
                if (anaphora) Fill("model");
                break;
            case Intents.ListRuns:
                if (anaphora) Fill("pipeline");
                break;
        }
    }

    // The lead-ins shared by the two patterns below.
    private const string LeadIn = @"^ (?:(?:and|ok|okay|now|also|but|then|so) )*";
    private const string TryAgain = @"(?:try|do it|run it|do that|train it) again ";
    private const string SameBut = @"(?:the )?same (?:thing |again )?but ";

    // "try again but ...", "same thing but ...", "redo it with ...": the same work again, changed.
    [GeneratedRegex(LeadIn + "(?:" + TryAgain + "|" + SameBut + @"|(?:repeat|redo) (?:that|it|this) )")]
    private static partial Regex RepeatLead();

    [GeneratedRegex(LeadIn + @"(?:(?:what|how) about |(?:do |repeat |run )?(?:the |that )?same (?:thing )?(?:for|with|on|in) |" + TryAgain + @"(?:but )?(?:with|for|on|using|in) |" + SameBut
        + @"|(?:repeat|redo) (?:that|it|this) (?:for|with|on) |ditto (?:for )?|(?:and |now |also )?(?:for|with|on|in|to) |what about$|same again)|^ (?:and|or|also) (?:\S+ ){1,2}(?:\? )?$|^ (?:(?:ok|okay|now|then|and) )+do (?:the same for )?\S+ (?:\S+ )?(?:too |next |now )?(?:\? )?$")]
    private static partial Regex FollowUpLead();
}
