using System.Text.RegularExpressions;
using static SwarmAgentBot.Agents.Supervisor.Routing.Concept;

namespace SwarmAgentBot.Agents.Supervisor.Routing;

/// <summary>A classification: the intent, why, and how sure (0..1).</summary>
internal readonly record struct Decision(string Intent, string Reason, double Confidence);

/// <summary>
/// Decides the intent of one piece of a message from its concepts and mentions. Fixed checks come first
/// (greeting, help, off-topic, how-to questions); then every intent is scored from weighted cues and the
/// best one wins. Weak evidence never becomes an action: below the bar the answer is a knowledge question
/// (when it talks MLOps) or out_of_scope.
/// </summary>
internal static partial class IntentClassifier
{
    private const double MinimumScore = 2.5;

    /// <summary>The reason given when a piece asks for nothing recognisable (as opposed to something off-topic).</summary>
    public const string NoRequest = "no MLOps request recognised";

    /// <summary>The reason given when the message is about something the assistant does not do (sales, sport, office life, ...).</summary>
    public const string OffTopicSubject = "off-topic subject";

    /// <summary>How the reason of a decision scored from weighted cues begins (as opposed to one of the fixed checks).</summary>
    public const string ScoredReason = "cues for ";

    /// <summary>The reason given to a question that talks MLOps but names no action.</summary>
    public const string OpenQuestion = "an MLOps question that names no action";

    private const Concept MlopsConcepts = Upload | Preview | Profile | Delete | Plot | Artifact | Pipeline | RunNoun | Status | Logs | Cancel
        | Compare | Train | Retrain | Leaderboard | Importance | Evaluate | Model | Versions | Registry | Deploy | Rollback | Deployed | Predict
        | Drift | Concept.Monitor | Lineage | Audit | Reproduce | Approval | Approve | Reject | Pending | Dataset | Datasets | Bucket | Concept.Ml;

    // What makes a question an MLOps question: "how do I file my taxes" mentions a file but is not one.
    private const Concept KnowledgeVocabulary = Concept.Ml | Drift | Deploy | Deployed | Train | Retrain | Model | Pipeline | Registry | Rollback | Lineage
        | Audit | Approval | Approve | Concept.Monitor | Predict | Evaluate | Leaderboard | Importance | Artifact | Datasets | Reproduce | Profile;

    /// <summary>Classifies one analysed piece of text.</summary>
    public static Decision Classify(Utterance u, Mentions e)
    {
        if (u.Words.Length > 0 && u.Words.All(w => w == "?")) return new(Intents.Help, "a bare question mark", 0.8);
        if (u.Words.Length == 0 || u.Words.All(w => w is "?" or "," or ":" or ";"))
            return new(Intents.OutOfScope, "nothing to act on", 1);
        if (IsGreeting(u)) return new(Intents.Greeting, "greeting or thanks only", 1);
        if (IsHelp(u, e)) return new(Intents.Help, "asks what the assistant can do", 1);
        if (u.Has(OffTopic) && !e.Concrete) return new(Intents.OutOfScope, OffTopicSubject, 0.95);
        if (!e.Concrete && !u.Has(Concept.Ml) && u.Text.AsSpan().ContainsAnyInRange('0', '9') && Arithmetic().IsMatch(u.Text)) return new(Intents.OutOfScope, "arithmetic", 0.9);
        if (u.Has(Code) && !e.Concrete && !u.Has(Concept.Ml | Model | Drift | Deploy | Pipeline | Train)) return new(Intents.OutOfScope, "general programming question", 0.9);
        if (KnowledgeForm(u, e) is { } form)
            return u.Has(KnowledgeVocabulary) || e.Concrete || ReferenceEquals(form, FilesAccepted)
                ? new(Intents.Ask, form, 0.85)
                : new(Intents.OutOfScope, form + " outside MLOps", 0.8);

        var scores = new double[Intents.All.Count];
        ScoreAll(u, e, scores);
        var best = 0;
        for (var i = 1; i < scores.Length; i++) if (scores[i] > scores[best]) best = i;
        var second = 0.0;
        for (var i = 0; i < scores.Length; i++) if (i != best && scores[i] > second) second = scores[i];
        // One weak cue among many words the router does not know ("the deployment of the new office chairs is delayed") is chat, not a request.
        var weakAndNoisy = scores[best] < 3.5 && !e.Concrete && u.UnknownWords >= 3 && u.UnknownWords > ConceptWords(u);
        if (scores[best] >= MinimumScore && !weakAndNoisy)
        {
            var confidence = Math.Clamp(0.5 + (scores[best] - second) / 8, 0.5, 0.99);
            return new(Intents.All[best], $"{ScoredReason}{Intents.All[best]} scored {scores[best]:0.#} (next {second:0.#})", confidence);
        }
        if (IsQuestion(u) && u.Has(KnowledgeVocabulary)) return new(Intents.Ask, OpenQuestion, 0.6);
        return new(Intents.OutOfScope, NoRequest, 0.7);
    }

    private const Concept ActionVerbs = Upload | Preview | Profile | Delete | Plot | Start | Cancel | Compare | Train | Retrain | Evaluate | Deploy
        | Rollback | Predict | Drift | Concept.Monitor | Reproduce | Approve | Reject | Check | Show | List;

    /// <summary>
    /// "I retrained churn-model yesterday.", "yesterday we trained a model on churn.csv": what someone did, told as context,
    /// with no other verb that could be the request.
    /// </summary>
    public static bool IsNarrative(Utterance u)
    {
        if (u.Words.Length == 0 || u.Words[^1] == "?" || !PastStatement().IsMatch(u.Text)) return false;
        var verbs = 0;
        foreach (var w in u.Words) if ((Lexicon.Of(w) & ActionVerbs) != 0) verbs++;
        return verbs <= 1 && !u.Says(" please ") && !u.Says(" can ") && !u.Says(" could ");
    }

    private static int ConceptWords(Utterance u)
    {
        var n = 0;
        foreach (var w in u.Words) if ((Lexicon.Of(w) & ~(Filler | Greeting | Anaphora)) != 0) n++;
        return n;
    }

    private static bool IsGreeting(Utterance u)
    {
        // "cheers for the help!": thanks for help given is a greeting, not a request for help.
        var thanks = u.Says(" thanks ") || u.Says(" thank ") || u.Says(" cheers ") || u.Says(" appreciate ") || u.Says(" appreciated ");
        var greeting = false;
        foreach (var w in u.Words)
        {
            if (w is "?" or "," or ":" or ";") continue;
            var c = Lexicon.Of(w);
            if ((c & Greeting) != 0 || w is "ok" or "okay" or "great" or "cool" or "nice" or "awesome" or "perfect" or "brilliant" or "good" or "lgtm" or "welcome")
            {
                greeting |= w != "lgtm";
                continue;
            }
            if ((c & Filler) != 0 || thanks && w is "help" or "support" or "assistance" or "quick" or "response" or "answer") continue;
            return false;
        }
        return greeting;
    }

    private static bool IsHelp(Utterance u, Mentions e)
    {
        if (e.Concrete) return false;
        if (HelpPhrase().IsMatch(u.Canon)) return true;
        if (!u.Has(Help)) return false;
        // "help", "help with drift", "commands?" — but not "help me train a model on churn.csv".
        var other = 0;
        foreach (var w in u.Words)
        {
            if (w is "?" or "," or ":" or ";") continue;
            if ((Lexicon.Of(w) & (Help | Filler | Greeting)) != 0 || HelpFiller.Contains(w)) continue;
            if (EntityExtractor.HelpTopic(Utterance.Analyse(w)) is not null) continue;
            other++;
        }
        return other == 0;
    }

    private static readonly HashSet<string> HelpFiller = new(StringComparer.Ordinal)
    {
        "me", "with", "on", "about", "for", "i", "need", "some", "can", "could", "you", "using", "use", "to", "what", "do", "show", "your",
        "the", "a", "an", "get", "give", "any", "stuff", "things", "topic", "area", "menu", "options", "usage", "available", "list", "all",
        "are", "is", "kind", "of", "this", "bot", "does", "new", "here", "i'm", "im", "want", "know", "tell", "out", "please", "pls", "how", "works",
        "work", "assistant", "supported", "support", "features", "functions", "abilities", "skills", "able", "which", "that", "those",
        "around", "regarding", "related", "when", "comes", "it", "in", "anything", "everything", "swarm", "bot",
    };

    private static string? KnowledgeForm(Utterance u, Mentions e)
    {
        var c = u.Canon;
        if (HowTo().IsMatch(c)) return "a how-to question";
        // "enable an auto-retrain policy for eta-predictor" sets a policy up; it does not ask about one.
        if (PolicyQuestion().IsMatch(c) && !SetUpImperative().IsMatch(c)) return "a policy or best-practice question";
        if (TooMuchQuestion().IsMatch(c)) return "asks whether a setting is right";
        // "what's approval 61 about?" asks about one request, not a concept.
        if (e.Concrete || e.PipelineHint is not null || u.Has(Approval) && EntityExtractor.NamedApprovalId(u.Text) is not null) return null;
        if (GeneralQuestion().IsMatch(c)) return "asks how things differ or where things are kept, in general";
        if (FileFormatQuestion().IsMatch(c)) return FilesAccepted;
        if (ConceptQuestion().IsMatch(c) && !u.Has(Anaphora) && !u.Says(" my ") && !u.Says(" our ") && !u.Says(" the model ")) return "a concept question";
        if (ExplainHow().IsMatch(c)) return "asks how something works";
        if ((u.Says(" by default ") || u.Says(" the default ") || u.Says(" defaults ")) && IsQuestion(u)) return "asks about a default";
        // "what's driving its predictions" asks for a model's importances, not what a word means.
        if (Definition().IsMatch(c) && !u.Says(" deployed ") && !u.Says(" running ") && !u.Says(" driving ") && !u.Has(Status | Pending | Deployed | Datasets) && e.Stage is null)
            return "asks what something is";
        if (ExplainConcept().IsMatch(c) && !u.Has(Anaphora) && !u.Says(" the drift ") && !u.Says(" my "))
            return "asks to explain a concept";
        return null;
    }

    /// <summary>A question rather than a request: polite requests ("can you deploy ...?") are requests.</summary>
    private static bool IsQuestion(Utterance u)
    {
        if (u.Words.Length == 0) return false;
        if (u.Words.Length > 1 && u.Words[0] is "can" or "could" or "would" or "will" or "please" && u.Words[1] is "you" or "we" or "u" or "someone") return false;
        return u.Words[^1] == "?" || u.Words[0] is "what" or "which" or "how" or "why" or "when" or "who" or "where" or "is" or "are" or "does" or "do" or "has" or "have" or "any" or "can" or "should";
    }

    private static void ScoreAll(Utterance u, Mentions e, double[] s)
    {
        var file = e.Dataset is not null;
        var dataset = e.HasDataset || e.Bucket is not null;
        var run = e.RunIds.Count > 0;
        var names = e.Names.Count > 0 || e.ModelHint is not null;
        var pipelineName = e.PipelineHint is not null || e.Names.Any(PipelineLike);
        var modelName = e.ModelHint is not null || e.Names.Any(n => !PipelineLike(n));
        var question = IsQuestion(u);
        var listy = u.Has(List | Show) || question;
        var anaphora = u.Has(Anaphora);
        // Each target reading runs several patterns: read it at most once per piece.
        string? strictTarget = null, looseTarget = null;
        bool strictRead = false, looseRead = false;
        string? StrictTarget()
        {
            if (!strictRead) (strictTarget, strictRead) = (EntityExtractor.Target(u.Text, false), true);
            return strictTarget;
        }
        string? LooseTarget()
        {
            if (!looseRead) (looseTarget, looseRead) = (StrictTarget() ?? EntityExtractor.Target(u.Text, true), true);
            return looseTarget;
        }

        void Add(string intent, double weight) => s[IndexOf(intent)] += weight;

        // --- storage
        if (u.Has(Upload)) Add(Intents.UploadDataset, 3 + (u.Has(Dataset | Datasets) || file || anaphora ? 1 : 0));
        if (u.Has(Registry) && file && u.Has(Dataset) && !modelName) Add(Intents.UploadDataset, 4.5);
        if (u.Has(Preview)) Add(Intents.PreviewDataset, 2.5 + (dataset ? 1 : 0));
        if (u.Says(" what contents ") && file) Add(Intents.PreviewDataset, 2);
        if (u.Has(Column) && question && file && !u.Has(Plot | Profile)) Add(Intents.PreviewDataset, 2.5);
        if (u.Has(Show) && (file || e.DatasetHint is not null) && !u.Has(MlopsConcepts & ~(Dataset | Datasets | Concept.Ml))) Add(Intents.PreviewDataset, 2.5);
        if (u.Has(Profile)) Add(Intents.ProfileDataset, 3 + (dataset ? 1 : 0));
        // "the column we care about is responded" says what matters; it does not ask to describe the data.
        if (u.Has(Describe) && (dataset || u.Has(Dataset)) && !pipelineName && !u.Has(Pipeline) && !u.Says(" care about ")) Add(Intents.ProfileDataset, 3);
        if (u.Has(Delete)) Add(Intents.DeleteDataset, 3 + (dataset || u.Has(Dataset | Datasets) || anaphora ? 1 : 0));
        if (u.Has(Plot) && !run) Add(Intents.PlotDataset, 3.5 + (file || u.Has(Column) ? 1 : 0));
        if (u.Has(Compare) && file && !run) Add(Intents.PlotDataset, 1);
        if (u.Has(Artifact)) Add(Intents.ListArtifacts, 4);
        // "what did it produce?" right after a run asks for that run's outputs, like "what did run 310 produce".
        if (u.Has(Produce) && (run || names || anaphora && question) && !u.Has(Lineage)) Add(Intents.ListArtifacts, 3);
        // "which plots did run 310 save?": what a run stored is what it produced.
        if (u.Says(" model files ") || u.Has(Plot | Datasets | Artifact | Logs | Model) && run
            && (u.Has(Show | List | Produce | Artifact) || u.Says(" where ") || u.Has(Upload) && question))
            Add(Intents.ListArtifacts, 3.5 + (u.Has(Upload) && question ? 1 : 0));
        if (u.Has(Datasets | Bucket) && !file && !run && !modelName) Add(Intents.ListDatasets, 2.5 + (listy ? 1 : 0));
        if (u.Has(Dataset) && listy && !file && !e.HasDataset && !run && !u.Has(MlopsConcepts & ~(Dataset | Datasets | Concept.Ml))) Add(Intents.ListDatasets, 2.5);
        if ((e.Prefix is not null || e.Bucket is not null && e.Dataset is null) && !u.Has(Upload | Delete)) Add(Intents.ListDatasets, 2 + (listy ? 1.5 : 0));
        if (u.Words.Length > 0 && u.Words[0] == "ls") Add(Intents.ListDatasets, 3);

        // --- pipelines
        if (u.Has(Pipeline) && !run)
        {
            Add(Intents.ListPipelines, pipelineName ? 0.5 : 2.5 + (listy ? 1 : 0));
            Add(Intents.DescribePipeline, pipelineName ? 1.5 : 0);
            Add(Intents.RunPipeline, pipelineName ? 1 : 0);
        }
        if (u.Has(Describe) && (pipelineName || u.Has(Pipeline))) Add(Intents.DescribePipeline, 3);
        if ((u.Says(" what does ") || u.Says(" what ") && u.Says(" does ")) && pipelineName) Add(Intents.DescribePipeline, 3);
        if (u.Has(Describe) && names && (u.Says(" take ") || u.Says(" accept ") || u.Says(" expect ") || u.Says(" defaults ") || u.Says(" default ")))
            Add(Intents.DescribePipeline, 3.5);
        if (u.Has(Start) && !run)
        {
            var w = pipelineName ? 3.5 : u.Has(Pipeline) ? 2.5 : 1;
            if (e.Pairs.Count > 0) w += 1;
            Add(Intents.RunPipeline, w);
        }
        if (u.Has(Reproduce | Again) && pipelineName && !run) Add(Intents.RunPipeline, 3);
        if (u.Has(Start) && u.Has(Again) && anaphora && !run && !u.Has(Train | Retrain)) Add(Intents.RunPipeline, 2);
        if (u.Has(RunNoun) && !run)
        {
            var plural = u.Says(" runs ") || u.Says(" jobs ") || u.Says(" executions ");
            var stateWord = EntityExtractor.RunStatus(u) is not null;
            if (plural || stateWord && !u.Has(Pipeline)) Add(Intents.ListRuns, 2.5 + (listy || stateWord ? 1 : 0) + (u.Has(History) ? 1 : 0));
        }
        // "is it still running?", "is that one still training?": the state of the run being talked about.
        var stillGoing = u.Says(" still ") && (u.Says(" running ") || u.Says(" training ") || u.Says(" going ") || u.Says(" working ") || u.Says(" busy "))
            && (anaphora || run || u.Words.Length <= 4 && u.Words[^1] == "?") && !file && !u.Says(" runs ") && !u.Says(" jobs ");
        if (stillGoing) Add(u.Says(" training ") ? Intents.TrainingStatus : Intents.RunStatus, 5);
        if (u.Says(" running ") && e.Stage is null && !run && !stillGoing) Add(Intents.ListRuns, 2.5);
        if (u.Says(" queued ") && !run) Add(Intents.ListRuns, 2);
        if (u.Says(" ran ") && !run && !u.Has(Who)) Add(Intents.ListRuns, 3);
        if (run)
        {
            // A run named with nothing else asked ("where is run 303 at", "run 12?") is a status question.
            Add(Intents.RunStatus, u.Has(MlopsConcepts & ~(RunNoun | Status | Pipeline | Concept.Ml)) ? 1.5 : 2.6);
            if (u.Has(Status)) Add(Intents.RunStatus, 2);
            if (u.Has(Check) && !u.Has(Drift)) Add(Intents.RunStatus, 1);
            if (u.Has(Train) && u.Has(Status)) Add(Intents.TrainingStatus, 4);
            else if (u.Has(Train) && !file) Add(Intents.TrainingStatus, 3);
            if (u.Has(Logs)) Add(Intents.RunLogs, 4);
            if (u.Has(Failed)) Add(Intents.RunLogs, u.Has(Why) ? 4 : 3);
            else if (u.Has(Why) && !u.Has(Drift | Predict | Deploy)) Add(Intents.RunLogs, 3);
            if (u.Says(" step ")) Add(Intents.RunLogs, 2);
            if (u.Has(Cancel)) Add(Intents.CancelRun, 5);
            if (e.RunIds.Count >= 2) Add(Intents.CompareRuns, 4);
            if (u.Has(Reproduce)) Add(Intents.ReproduceRun, 5);
            if (u.Has(Leaderboard)) Add(Intents.Leaderboard, 4);
            if (u.Has(Lineage)) Add(Intents.Lineage, 3);
        }
        else
        {
            if (u.Has(Logs)) Add(Intents.RunLogs, 3);
            if (u.Has(Cancel) && (u.Has(RunNoun | Train | Pipeline) || anaphora)) Add(Intents.CancelRun, 3.5);
            if (u.Has(Status) && (u.Has(RunNoun | Pipeline) || anaphora || u.Says(" going ") || u.Says(" is it "))) Add(Intents.RunStatus, 2.5);
            if (u.Has(Reproduce) && (u.Has(RunNoun | Train) || anaphora)) Add(Intents.ReproduceRun, 3.5);
            if (u.Has(Explain) && anaphora && !u.Has(Drift | Pipeline)) Add(Intents.ExplainModel, 3);
        }
        if (u.Has(Compare)) Add(Intents.CompareRuns, run ? 2 : u.Has(RunNoun) ? 2.5 + (BareId().Count(u.Text) >= 2 ? 2 : 0) : 0.5);
        // "compare them", "compare those two": the runs the conversation was about.
        if (u.Has(Compare) && anaphora && !file && !run && !u.Has(Plot | Model | Deployed)) Add(Intents.CompareRuns, 2.5);
        if (u.Has(Compare) && anaphora && e.RunIds.Count == 1 && !file) Add(Intents.CompareRuns, 2.5);

        // --- training
        // "start training: data=iris.csv label=species": the training request's own keys, not pipeline parameters.
        if (u.Has(Train) && !u.Has(Retrain) && !run && e.Pairs.Any(p => EntityExtractor.TrainingKey(p.Key) is "dataset" or "target")) Add(Intents.TrainModel, 3);
        if (u.Has(Train) && !u.Has(Retrain) && !run)
        {
            var statusLike = u.Has(Status) && !file;
            if (statusLike) Add(Intents.TrainingStatus, 4 + (u.Says(" training ") || u.Says(" train ") ? 0.5 : 0));
            else Add(Intents.TrainModel, 3 + (file || e.DatasetHint is not null ? 1 : 0) + (StrictTarget() is not null ? 1 : 0));
        }
        if (u.Says(" build ") || u.Says(" create ") || u.Says(" make ") || u.Says(" need ") || u.Says(" want ") || u.Says(" get "))
            if (u.Has(Model) && (file || u.Has(Predict)) && !modelName && !run) Add(Intents.TrainModel, 3.5);
        if (u.Has(Predict) && file && !modelName && !u.Has(Score) && LooseTarget() is not null) Add(Intents.TrainModel, 2);
        // "we want to predict the churn_flag column in telco.csv": wanting a column predicted, with no model named, is wanting one trained.
        if (u.Has(Predict) && file && !modelName && !u.Has(Score) && WantToPredictAColumn().IsMatch(u.Text)) Add(Intents.TrainModel, 2.5);
        if (file && !modelName && !run && StrictTarget() is not null) Add(Intents.TrainModel, u.Has(Model) ? 3 : 2);
        if (u.Has(Retrain) || u.Has(Train) && u.Has(Again) && (modelName || anaphora)) Add(Intents.RetrainModel, 4.5);
        if (u.Has(Leaderboard)) Add(Intents.Leaderboard, 4);
        if ((u.Says(" try ") || u.Says(" trying ")) && u.Has(Train | Model) && question) Add(Intents.Leaderboard, 4.5);
        // "what's the best model from run 80?"
        if ((u.Says(" best ") || u.Says(" top ") || u.Says(" winning ")) && u.Has(Model) && run && question) Add(Intents.Leaderboard, 4.5);
        if (u.Has(Importance)) Add(Intents.ExplainModel, 4);
        if (u.Has(Features) && !u.Has(Drift) && (modelName || anaphora) && !u.Has(Profile | Plot)) Add(Intents.ExplainModel, 2.5);
        if (u.Has(Explain) && modelName && !u.Has(Drift | Pipeline)) Add(Intents.ExplainModel, 3.5);
        if (u.Has(Why) && u.Has(Predict) && !u.Has(Drift)) Add(Intents.ExplainModel, 3.5);
        if (u.Has(Evaluate) && !(run && !modelName)) Add(Intents.EvaluateModel, 3 + (file ? 1 : 0));
        // "run an eval of demand-forecast on march_sales.csv" (but "approve 301, checked the eval" only mentions one).
        if ((u.Says(" eval ") || u.Says(" evals ")) && (modelName || anaphora) && !u.Has(Approve | Reject)) Add(Intents.EvaluateModel, 3 + (file ? 1 : 0));
        if (u.Has(Test) && (modelName || anaphora) && file) Add(Intents.EvaluateModel, 4);
        if ((modelName || anaphora) && file && question && OnOrAgainst().IsMatch(u.Text) && !u.Has(Predict | Train | Upload | Drift)) Add(Intents.EvaluateModel, 4);
        if (u.Has(Score) && (modelName || anaphora) && file && OnOrAgainst().IsMatch(u.Text) && !u.Has(Predict)) Add(Intents.EvaluateModel, 3.5);
        if (e.Metric is not null && (modelName || anaphora) && file && question) Add(Intents.EvaluateModel, 3.5);

        // --- registry
        if (u.Has(Model) && (listy || u.Has(Registry)) && !u.Has(Deploy | Deployed | Train | Drift | Predict | Importance | Leaderboard | Retrain | Rollback))
            Add(Intents.ListModels, 2.5 + (u.Says(" models ") ? 1 : 0));
        if (u.Has(Versions) && (modelName || u.Has(Model)) && listy && e.Stage is null && !u.Has(Deployed | Deploy | Lineage | Artifact)) Add(Intents.ListModels, 3);
        if (u.Has(Versions) && e.Stage is not null && question && !u.Has(Deploy | Drift | Rollback)) Add(Intents.ListDeployments, 1.5);
        if (u.Has(Registry)) Add(Intents.ListModels, 2 + (listy && !file ? 1 : 0));
        var knownObject = modelName || anaphora || e.Stage is not null || e.Version is not null || e.Latest || u.Has(Model | Concept.Ml) || u.UnknownWords == 0;
        if (u.Has(Deploy)) Add(Intents.DeployModel, knownObject ? 4 + (e.Stage is not null ? 1 : 0) : 2);
        if (e.Stage is not null && (e.Version is not null || e.Latest) && (modelName || anaphora) && !question && !u.Has(Rollback | Drift | Predict | Score))
            Add(Intents.DeployModel, 3);
        if (e.Stage is not null && !u.Has(Rollback) && MoveToStage().IsMatch(u.Text)) Add(Intents.DeployModel, 3);
        if (u.Has(Rollback) || RollXBack().IsMatch(u.Canon)) Add(Intents.Rollback, 5.5);
        if (u.Says(" previous version ") || u.Says(" old version ") || u.Says(" go back ") || u.Says(" last version ")) Add(Intents.Rollback, 3);
        if (u.Has(Deployed)) Add(Intents.ListDeployments, 2.5 + (listy ? 1 : 0));
        // "what's in staging?", "is churn-model live?" — but "is staging a full copy of the production setup?" asks about the environments.
        if (e.Stage is not null && question && !u.Has(Drift | Deploy | Predict | Train | Retrain | Evaluate | Rollback | Concept.Monitor)
            && (modelName || anaphora || u.Has(Model | Versions | Deployed) || u.UnknownWords <= 1 || u.Says(" what ") || u.Says(" which ")))
            Add(Intents.ListDeployments, 2.5);
        if (u.Says(" running ") && e.Stage is not null) Add(Intents.ListDeployments, 3);
        if (u.Has(Predict)) Add(Intents.Predict, knownObject || file || e.Pairs.Count > 0 ? 3 + (modelName || e.Stage is not null ? 0.5 : 0) : 2);
        if (u.Has(Score) && !u.Has(Leaderboard)) Add(Intents.Predict, 2 + (file || e.Pairs.Count > 0 ? 1 : 0));
        if (e.Pairs.Count > 0 && (modelName || u.Has(Model)) && !u.Has(Start | Pipeline)) Add(Intents.Predict, 2);
        // "run fraud-xgb on this transaction: amount=120.5, merchant=acme": running a model on a record is scoring it.
        if (e.Pairs.Count >= 2 && modelName && !pipelineName && u.Has(Start) && !u.Has(Pipeline)) Add(Intents.Predict, 3.5);
        if (u.Has(Predict | Score) && (u.Says(" xkvx ") || RecordCue().IsMatch(u.Text))) Add(Intents.Predict, 1.5);

        // --- drift
        if (u.Has(Drift))
        {
            Add(Intents.CheckDrift, 3.5 + (u.Has(Check) ? 1 : 0));
            // "what changed in the data that made it drift": the cause of the drift.
            if (u.Has(Why | Explain | Features) || u.Says(" what changed ") || u.Says(" made it ")) Add(Intents.ExplainDrift, 5);
            if (u.Has(History | Plot) || u.Says(" worse ")) Add(Intents.DriftHistory, 5);
            if (u.Has(Concept.Monitor) || e.Schedule is not null) Add(Intents.ConfigureMonitoring, 5);
        }
        if (u.Says(" drifted ") && question) Add(Intents.CheckDrift, 1);
        if (u.Has(Concept.Monitor) && !u.Has(Drift)) Add(Intents.ConfigureMonitoring, 3.5 + (e.Schedule is not null ? 1 : 0));
        // "enable auto retrain for X if rmse gets worse than 40" is a monitoring policy, not a retrain now.
        if (u.Has(Retrain) && (u.Says(" autoretrain ") || u.Says(" enable ") || u.Says(" policy ") || u.Says(" whenever "))) Add(Intents.ConfigureMonitoring, 6);
        if (e.Schedule is not null && !u.Has(Drift)) Add(Intents.ConfigureMonitoring, 1.5);

        // --- governance
        if (u.Has(Lineage) || TraceBack().IsMatch(u.Canon)) Add(Intents.Lineage, 4.5);
        if (u.Has(Produce) && (modelName || e.Version is not null || file) && ProducedBy().IsMatch(u.Canon)) Add(Intents.Lineage, 4);
        if (u.Says(" trained ") && u.Says(" which dataset ") || u.Says(" what data ") && u.Says(" trained ")) Add(Intents.Lineage, 3);
        // "which models used customers.csv": what a dataset went into.
        if (file && u.Has(Model) && !modelName && (u.Says(" used ") || u.Says(" use ") || u.Says(" uses ") || u.Says(" depend ") || u.Says(" depends "))) Add(Intents.Lineage, 4);
        if (u.Has(Audit)) Add(Intents.AuditLog, 3.5);
        if (u.Has(Who) && PastAction().IsMatch(u.Canon)) Add(Intents.AuditLog, 6.5);
        if (u.Says(" what ") && AuditOfPerson().IsMatch(u.Canon) || u.Says(" actions ") && AuditOfPerson().IsMatch(u.Canon)) Add(Intents.AuditLog, 3.5);
        if (u.Has(Reproduce) && !run && !pipelineName) Add(Intents.ReproduceRun, 2.5);

        // --- approvals
        var approvalId = !run && u.Has(Approve | Reject) && (BareId().IsMatch(u.Text) || EntityExtractor.NamedApprovalId(u.Text) is not null);
        // "anything queued?" asks about runs; "anything waiting for approval?" about approvals.
        var queuedRuns = u.Says(" queued ") && !u.Has(Approval | Approve);
        if (queuedRuns && !run) Add(Intents.ListRuns, 3.5);
        // "been waiting a while" complains about a wait; "anything waiting on me?" and "what's pending" ask about requests.
        var complaintOfWaiting = !u.Says(" pending ") && !u.Has(Approval) && !question && !listy;
        if (u.Has(Pending) && !u.Has(RunNoun) && !queuedRuns && !complaintOfWaiting) Add(Intents.ListPending, 3 + (u.Has(Approval) ? 1 : 0));
        else if (u.Has(Approval) && (listy || question) && !u.Has(RunNoun)) Add(Intents.ListPending, 3);
        // "lgtm, ship 101": shipping a bare number (no model, stage or version) is signing off request 101.
        if (u.Has(Deploy) && !run && !modelName && e.Stage is null && e.Version is null && !e.Latest && !file && BareId().IsMatch(u.Text))
            Add(Intents.Approve, 5);
        // "approved: 42", "approved apr-0042": a sign-off given as its outcome, naming the request.
        if (u.Words.Length > 0 && u.Words[0] == "approved" && EntityExtractor.NamedApprovalId(u.Text) is not null) Add(Intents.Approve, 6);
        // "why does credit-risk reject so many applicants?": a why question about rejecting is not a decision on a request.
        var whyQuestion = u.Words.Length > 0 && u.Words[0] == "why" || u.Says(" how come ");
        if (u.Has(Approve) && !whyQuestion)
        {
            if (approvalId || anaphora && !question) Add(Intents.Approve, 5.5);
            else if (question) Add(Intents.ListPending, 3.5);
            else Add(Intents.Approve, 2.5);
        }
        if (u.Has(Reject) && !whyQuestion)
        {
            if (approvalId || anaphora) Add(Intents.Reject, 5.5);
            else Add(Intents.Reject, 2.5);
        }
        if (u.Has(Who) && u.Says(" approved ")) Add(Intents.AuditLog, 2);
    }

    /// <summary>True for names that read like pipelines ("train-and-register", "nightly-retrain") rather than models.</summary>
    internal static bool PipelineLike(string name)
    {
        var n = name.ToLowerInvariant();
        foreach (var part in PipelineParts)
            if (n.Contains(part, StringComparison.Ordinal)) return true;
        return false;
    }

    private static readonly string[] PipelineParts =
        ["-and-", "pipeline", "nightly", "daily", "weekly", "hourly", "ingest", "etl", "batch", "validation", "validate", "retrain", "register",
         "workflow", "flow", "dag", "job", "sync", "export", "import", "backfill", "preprocess", "feature-", "-features", "build-", "deploy-",
         // A name that starts with a verb names a procedure: "train-churn", "score-leads", "refresh-features".
         "train-", "score-", "scoring", "refresh"];

    private static int IndexOf(string intent)
    {
        for (var i = 0; i < Intents.All.Count; i++) if (ReferenceEquals(Intents.All[i], intent) || Intents.All[i] == intent) return i;
        throw new ArgumentOutOfRangeException(nameof(intent), intent, "Unknown intent.");
    }

    [GeneratedRegex(@" (?:how (?:do|can|could|should|would) (?:i|we|one|someone) (?:use|work with|talk to) (?:you|this bot|the bot|this|swarm|swarmagentbot)|how (?:do|does) (?:you|this bot|the bot|this thing|this|it|swarm) work|what (?:kind of |sort of |else )?(?:things |stuff )?(?:can|could|do) (?:you|this bot|the bot|this thing|it|swarm|swarmagentbot|i) (?:do|help|ask|offer)|what (?:can|should|could) i (?:ask|say|do here|type)|what are you (?:able to do|for|capable of)|how can you help|who are you|what are you|what is this bot|what does this bot do)\b")]
    private static partial Regex HelpPhrase();

    [GeneratedRegex(@" (?:how (?:do|can|could|should|would|to|might|may) (?:i|we|you|one|someone|people|teams?) |how to |how (?:do|does|is|are) .{1,60} (?:work|works|computed|calculated|defined|measured|chosen|set|determined|decided|handled|stored|implemented|used|done|picked|selected|enforced|triggered) |how (?:does|do) (?:psi|drift|automl|the|a|an) )")]
    private static partial Regex HowTo();

    [GeneratedRegex(@" (?:what(?: is|'s| are)? (?:the |our |your )?(?:difference|differences|policy|policies|rule|rules|recommended|recommendation|best way|right way|benefit|benefits|advantage|advantages|risk|risks|pros|purpose|point) |difference between |best practices? |policy |guidelines? |is it (?:ok|okay|safe|possible|allowed|wise|a good idea|a bad idea|bad|better|fine|normal|recommended) |a (?:good|bad) (?:idea|practice) |should (?:i|we|you|one) |when (?:should|do|would|can) (?:i|we|you|one) |when to |who (?:may|can|should|is allowed to|are allowed to|must|approves|is responsible) |what (?:exactly )?(?:happens|(?:would|will|could|does) (?:\w+ )?happen) (?:when|if|after|before) |why (?:should|would) (?:i|we) |what does .{1,40} mean |what is meant by |meaning of |definition of |explain the difference |can (?:i|we) (?:deploy|delete|retrain|approve|skip|bypass) .{0,40}(?:on|at|without|during|myself) |(?:is|are) there (?:a |an |any )?(?:runbooks?|playbooks?|guides?|docs?|documentation|checklists?|templates?|wiki|procedures?|process|standards?|conventions?) |how long (?:are|is|do|does) .{1,40}(?:kept|retained|stored) |retention )")]
    private static partial Regex PolicyQuestion();

    // "what is target drift vs data drift?", "how is canary deployment different from blue-green?", "where do prediction logs get stored?"
    // "where are the model artifacts stored": where the system keeps things, asked in general.
    [GeneratedRegex(@"^ (?:so |and |but )?(?:(?:what|how|which|when) (?:\S+ ){0,8}(?:vs|versus|different|differ|differs|difference) |where (?:do|does) (?:\S+ ){1,5}(?:get |go |end up )?(?:stored|kept|saved|live|go) |where (?:are|is) (?:\S+ ){1,5}(?:stored|kept|saved) (?:\? )?$)")]
    private static partial Regex GeneralQuestion();

    /// <summary>The reason given to a question about which files the assistant takes (an MLOps question whatever its words).</summary>
    private const string FilesAccepted = "asks which files the assistant takes";

    // "what file formats can i upload?", "which file types do you accept": what the storage agent takes.
    [GeneratedRegex(@" (?:what|which) (?:file )?(?:formats?|file types|types of files?|kinds of files?|file sizes?) (?:\S+ ){0,4}(?:upload|import|accept|take|support|store)")]
    private static partial Regex FileFormatQuestion();

    [GeneratedRegex(@"^ (?:(?:please|pls|can you|could you|ok|okay|now|then) )*(?:enable|disable|set up|setup|configure|create|add|turn on|turn off|activate|deactivate|apply|schedule) ")]
    private static partial Regex SetUpImperative();

    [GeneratedRegex(@"(?:^| ,) (?:what|whats) (?:is|are) (?:a |an |the )?(?:\S+ ){0,3}\S+ (?:\? )?$")]
    private static partial Regex Definition();

    [GeneratedRegex(@"^ (?:but |so |and )?why (?:do|does|is|are|would|might|can|should) ")]
    private static partial Regex ConceptQuestion();

    // "is the psi threshold of 0.2 too strict for small datasets?"
    [GeneratedRegex(@"^ (?:is|are|isn't|aren't|would|will|does|do) .{0,60} too (?:strict|lenient|loose|high|low|aggressive|conservative|sensitive|noisy|big|small|many|few|often|rarely|long|short|much) ")]
    private static partial Regex TooMuchQuestion();

    [GeneratedRegex(@"^(?:(?:yesterday|today|earlier|this\s+morning|last\s+(?:week|night|month)|so|ok|okay|fyi|btw|heads\s+up),?\s+)*(?:i|we|they|someone|somebody|he|she)\s+(?:just\s+|already\s+|have\s+|had\s+|'ve\s+)?(?!(?:wanted|needed|hoped|wondered|tried|planned|intended|decided|liked|loved|asked|expected|managed|forgot|started|used)\b)(?:[a-z]*[a-df-z]ed|ran|built|made|wrote|did|got|took|shipped)\b"
        // "the routes changed a lot", "our volumes grew": what happened to something, told beside a request.
        // "credit-risk we pushed yesterday looks off": a past action told about a thing, not a command.
        + @"|\b(?:we|i|they|you|someone|somebody)\s+(?:just\s+|already\s+)?(?:[a-z]*[a-df-z]ed|shipped|ran|built|made)\s+(?:yesterday|earlier|today|this\s+morning|last\s+\w+|on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b"
        // "audit wants to know", "legal asked for it": who is asking, said beside the request.
        + @"|^(?:the\s+)?[a-z]+(?:\s+team)?\s+(?:wants|needs|asked|asks)\s+(?:to\s+know|for\s+it|for\s+this|it|this)\b"
        + @"|^(?:the|our|my|their|its)\s+[a-z]+(?:\s+[a-z]+)?\s+(?:have\s+|has\s+)?(?:[a-z]*[a-df-z]ed|grew|fell|rose|went)\s+(?:a\s+lot|quite\s+a\s+bit|a\s+bit|recently|lately|last\s+\w+|this\s+\w+|overnight|again|up|down)\b", RegexOptions.IgnoreCase)]
    private static partial Regex PastStatement();

    [GeneratedRegex(@"\b(?:want|wants|need|needs|would\s+like|'d\s+like|trying|hoping|able)\s+to\s+predict\b|\bpredict\s+(?:the\s+)?[A-Za-z_][\w\-]*\s+(?:column|field|variable)\b", RegexOptions.IgnoreCase)]
    private static partial Regex WantToPredictAColumn();

    [GeneratedRegex(@" explain (?:what|how|why) ")]
    private static partial Regex ExplainHow();

    [GeneratedRegex(@"^ (?:can you |could you |please )?(?:explain|define|describe|tell me about) (?!the |my |our |this |that |its |it )")]
    private static partial Regex ExplainConcept();

    [GeneratedRegex(@"\b\d+(?:\.\d+)?\s*(?:times|x|\*|plus|minus|divided\s+by|multiplied\s+by|\+|/|\^)\s*\d+(?:\.\d+)?\b", RegexOptions.IgnoreCase)]
    private static partial Regex Arithmetic();

    [GeneratedRegex(@"\b(?:on|against)\b", RegexOptions.IgnoreCase)]
    private static partial Regex OnOrAgainst();

    [GeneratedRegex(@"\b(?:put|move|get|make|set|bring|switch|swap)\b", RegexOptions.IgnoreCase)]
    private static partial Regex MoveToStage();

    [GeneratedRegex(@"\w\s*(?:=|:)\s*\S|\bfor\s+\w+\s+\d", RegexOptions.IgnoreCase)]
    private static partial Regex RecordCue();

    [GeneratedRegex(@" who (?:is|has|have) been | who (?:\w+ )?(?:messed|tampered|edited|messing|tampering|editing|touching|changing|deployed|deploy|changed|approved|rejected|deleted|removed|rollback|promoted|trained|retrained|uploaded|touched|modified|updated|audit|ran|started|canceled|cancelled|did) ")]
    private static partial Regex PastAction();

    [GeneratedRegex(@" what (?:did|has|is) \w+ (?:do|done|change|changed|been doing|been up to) | what \w+ did | what actions did | actions (?:by|of) |^ (?:show |list )?(?:me )?(?:everything|anything|all) \w+ (?:did|has done|changed|touched) ")]
    private static partial Regex AuditOfPerson();

    [GeneratedRegex(@"(?<![\w.\-])#?\d+(?![\w.%])")]
    private static partial Regex BareId();

    // "roll fraud-detector back in production": the particle after the model's name.
    [GeneratedRegex(@" roll (?:\S+ ){1,3}back ")]
    private static partial Regex RollXBack();

    // "trace credit-risk back to its data": where a model came from.
    [GeneratedRegex(@" trace (?:\S+ ){1,4}back | back to (?:its|the|their) (?:data|dataset|datasets|source|sources|origin) ")]
    private static partial Regex TraceBack();

    // "what data and code produced fraud-xgb v7" asks where it came from; "what did run 12 produce" asks for its outputs.
    [GeneratedRegex(@"^ (?:what|which) (?:(?!did |has |have |was |were |does |do )\S+ ){0,5}(?:produced|generated|created|built|made) ")]
    private static partial Regex ProducedBy();
}
