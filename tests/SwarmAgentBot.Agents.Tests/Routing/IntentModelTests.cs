using SwarmAgentBot.Agents.Supervisor.Routing;

namespace SwarmAgentBot.Agents.Tests.Routing;

/// <summary>The learned intent classifier on its own: deterministic training, obvious intents, typos.</summary>
public sealed class IntentModelTests
{
    private static readonly IReadOnlyList<IntentExample> Labelled =
        IntentModel.ExamplesFrom(NluEvaluation.Load(Path.Combine(RoutingFiles.Directory, "nlu-labelled.jsonl"))).ToList();

    [Fact]
    public void TrainingTheSameLinesTwiceGivesTheSameModel()
    {
        var first = IntentModel.Train(Labelled);
        var second = IntentModel.Train(Labelled);

        foreach (var text in new[] { "deploy churn-model v3 to prod", "what's the weather like", "profile sales.csv", "hmm" })
            Assert.Equal(first.Predict(text), second.Predict(text));
    }

    [Theory]
    [InlineData("could you list every dataset sitting in the raw bucket", Intents.ListDatasets)]
    [InlineData("kick off a training job on housing.csv predicting price", Intents.TrainModel)]
    [InlineData("preview the first rows of sales.csv", Intents.PreviewDataset)]
    [InlineData("show me the leaderboard for run 42", Intents.Leaderboard)]
    [InlineData("what's a good recipe for banana bread", Intents.OutOfScope)]
    public void ItSeparatesObviousIntentsItWasNotTrainedOn(string text, string intent)
    {
        var model = IntentModel.Train(Labelled);
        Assert.DoesNotContain(Labelled, e => string.Equals(e.Text, text, StringComparison.OrdinalIgnoreCase));

        Assert.Equal(intent, model.Predict(text).Intent);
    }

    [Theory]
    [InlineData("could you list every dataset sitting in the raw bucket", "could you lsit every datset sitting in the raw bukcet")]
    [InlineData("preview the first rows of sales.csv", "preveiw the first rows of sales.csv")]
    public void ItIsRobustToATypo(string clean, string misspelt)
    {
        var model = IntentModel.Train(Labelled);

        Assert.Equal(model.Predict(clean).Intent, model.Predict(misspelt).Intent);
    }

    [Fact]
    public void TheShippedModelLearnsFromEveryEmbeddedLabelledFile()
    {
        var examples = IntentModel.LoadEmbeddedExamples();

        Assert.True(examples.Count > Labelled.Count, $"only {examples.Count} embedded training lines");
        Assert.Contains(IntentModel.Default.Classes, c => c == Intents.OutOfScope);
        Assert.Equal(Intents.All.Count, IntentModel.Default.Classes.Count);
    }
}

/// <summary>How the rules router combines its rules with the classifier: the rules stay the first word.</summary>
public sealed class ClassifierBlendTests
{
    // A toy classifier that learned made-up verbs: "zorp" previews a dataset, "yeet" deletes one. The rules know neither word.
    private static readonly IntentModel Toy = IntentModel.Train(
    [
        .. Enumerable.Range(0, 6).Select(i => new IntentExample($"zorp churn.csv {i}", Intents.PreviewDataset)),
        .. Enumerable.Range(0, 6).Select(i => new IntentExample($"zorp the top of sales.csv {i}", Intents.PreviewDataset)),
        .. Enumerable.Range(0, 6).Select(i => new IntentExample($"yeet churn.csv {i}", Intents.DeleteDataset)),
        .. Enumerable.Range(0, 6).Select(i => new IntentExample($"yeet the old sales.csv {i}", Intents.DeleteDataset)),
        .. Enumerable.Range(0, 6).Select(i => new IntentExample($"lunch was great today {i}", Intents.OutOfScope)),
        .. Enumerable.Range(0, 6).Select(i => new IntentExample($"see you at the game tonight {i}", Intents.OutOfScope)),
    ]);

    [Fact]
    public void ARequestTheRulesMissGoesToTheClassifiersIntentWithTheRulesEntities()
    {
        var rulesAlone = new RulesRouter(null, BlendThresholds.Default).Route("zorp sales.csv please");
        Assert.Equal(Intents.OutOfScope, rulesAlone.Intent);

        var route = new RulesRouter(Toy, BlendThresholds.Default).Route("zorp sales.csv please");

        Assert.Equal(Intents.PreviewDataset, route.Intent);
        Assert.Equal("sales.csv", route.Entities["dataset"]?.ToString());
        Assert.StartsWith("learned classifier", route.Reason);
    }

    [Fact]
    public void AnOffTopicLineTheClassifierIsUnsureAboutStaysOutOfScope()
    {
        const string text = "zorp lunch tonight";
        var guess = Toy.Predict(text);
        // The toy has seen "zorp" only in requests and "lunch" only in chat: it leans to a request, but not far.
        var thresholds = BlendThresholds.Default with { RescueProbability = 0.8 };
        Assert.True(guess.Probability < thresholds.RescueProbability, $"the toy is sure: {guess}");

        Assert.Equal(Intents.OutOfScope, new RulesRouter(Toy, thresholds).Route(text).Intent);
        // The same guess, trusted blindly, would have become a request: the threshold is what keeps it out.
        Assert.NotEqual(Intents.OutOfScope, new RulesRouter(Toy, BlendThresholds.ClassifierAlone).Route(text).Intent);
    }

    [Fact]
    public void AMutatingIntentIsNeverChosenByTheClassifierAlone()
    {
        const string text = "yeet churn.csv";
        var guess = Toy.Predict(text);
        Assert.Equal(Intents.DeleteDataset, guess.Intent);
        Assert.True(guess.Probability >= BlendThresholds.Default.RescueProbability, $"the toy is unsure: {guess}");

        var route = new RulesRouter(Toy, BlendThresholds.Default).Route(text);

        Assert.NotEqual(Intents.DeleteDataset, route.Intent);
    }

    [Theory]
    [InlineData("yeet churn.csv", false)] // the classifier's word alone
    [InlineData("yeet it, delete it", false)] // the verb, but nothing named
    [InlineData("yeet churn.csv, delete it", true)] // the verb and a named file
    public void AMutatingIntentNeedsItsOwnVerbAndANamedSubject(string text, bool deleted)
    {
        // The rules' "nothing recognised" answer, given to the blend directly so only its guard decides.
        var u = Utterance.Analyse(ChatText.Clean(text));
        var rules = new Decision(Intents.OutOfScope, IntentClassifier.NoRequest, 0.7);
        Assert.Equal(Intents.DeleteDataset, Toy.Predict(text).Intent);

        var decision = ClassifierBlend.Combine(rules, u, EntityExtractor.Scan(u), inConversation: false, new Lazy<IntentModel>(Toy), BlendThresholds.Default with { RescueProbability = 0.3, IntoMutatingProbability = 0.3 });

        Assert.Equal(deleted ? Intents.DeleteDataset : Intents.OutOfScope, decision.Intent);
    }

    [Fact]
    public void GreetingsAndExplicitOffTopicChecksAreNeverOverruled()
    {
        var router = new RulesRouter(Toy, BlendThresholds.ClassifierAlone with { ClassifierOnly = false, RescueProbability = 0, VetoProbability = 0, SwitchProbability = 0, OverruleProbability = 0 });

        Assert.Equal(Intents.Greeting, router.Route("hi there").Intent);
        Assert.Equal(Intents.OutOfScope, router.Route("what's the weather in Paris tomorrow?").Intent);
    }

    private static Decision Scored(string intent, double confidence) => new(intent, $"{IntentClassifier.ScoredReason}{intent} scored 3 (next 2)", confidence);

    private static Decision Blend(Decision rules, string text, BlendThresholds thresholds, bool inConversation = false)
    {
        var u = Utterance.Analyse(ChatText.Clean(text));
        return ClassifierBlend.Combine(rules, u, EntityExtractor.Scan(u), inConversation, new Lazy<IntentModel>(Toy), thresholds);
    }

    [Fact]
    public void TheClassifierOverrulesAWeakWrongRuleButNotAStrongOneBelowItsBar()
    {
        const string text = "zorp sales.csv please";
        var guess = Toy.Predict(text);
        Assert.Equal(Intents.PreviewDataset, guess.Intent);
        var thresholds = BlendThresholds.Default with { SwitchProbability = guess.Probability - 0.01, OverruleProbability = guess.Probability + 0.01 };

        var weak = Blend(Scored(Intents.ListDatasets, 0.55), text, thresholds);
        var strong = Blend(Scored(Intents.ListDatasets, 0.95), text, thresholds);

        Assert.Equal(Intents.PreviewDataset, weak.Intent);
        Assert.StartsWith(ClassifierBlend.LearnedReason, weak.Reason);
        Assert.Equal(Intents.ListDatasets, strong.Intent);
    }

    [Theory]
    [InlineData("yeet churn.csv", 0.55, false)] // no delete verb: the classifier's word alone
    [InlineData("yeet churn.csv, delete it", 0.95, false)] // the verb, but the rules were sure of something else
    [InlineData("yeet churn.csv, delete it", 0.55, true)] // the verb, over a weak rule decision
    public void TheClassifierSwitchesIntoAMutatingIntentOnlyWithItsVerbOverWeakRules(string text, double ruleConfidence, bool deleted)
    {
        Assert.Equal(Intents.DeleteDataset, Toy.Predict(text).Intent);
        var eager = BlendThresholds.Default with { SwitchProbability = 0, OverruleProbability = 0, IntoMutatingProbability = 0 };

        var decision = Blend(Scored(Intents.ListDatasets, ruleConfidence), text, eager);

        Assert.Equal(deleted ? Intents.DeleteDataset : Intents.ListDatasets, decision.Intent);
    }

    [Fact]
    public void AMutatingRuleDecisionWithItsVerbAndANamedSubjectStands()
    {
        // "zorp" reads as a preview to the classifier, but the message also says delete and names the file.
        const string text = "zorp churn.csv, delete it";
        Assert.NotEqual(Intents.DeleteDataset, Toy.Predict(text).Intent);
        var eager = BlendThresholds.Default with { StandDownProbability = 0, OverruleProbability = 0, StrongVetoProbability = 0 };

        Assert.Equal(Intents.DeleteDataset, Blend(Scored(Intents.DeleteDataset, 0.95), text, eager).Intent);
    }

    [Fact]
    public void AMutatingRuleDecisionOnOffTopicChatStandsDownToOutOfScope()
    {
        // "delete" among lunch chat, naming nothing: the classifier's out_of_scope wins once it is sure enough.
        const string text = "lunch was great today, delete";
        var guess = Toy.Predict(text);
        Assert.Equal(Intents.OutOfScope, guess.Intent);
        var thresholds = BlendThresholds.Default with { StandDownProbability = guess.Probability - 0.01 };

        Assert.Equal(Intents.OutOfScope, Blend(Scored(Intents.DeleteDataset, 0.95), text, thresholds).Intent);
        Assert.Equal(Intents.DeleteDataset, Blend(Scored(Intents.DeleteDataset, 0.95), text, thresholds with { StandDownProbability = 2 }).Intent);
    }

    [Fact]
    public void InAConversationTheClassifierFillsAGapButDoesNotOverrule()
    {
        const string text = "zorp it";
        var guess = Toy.Predict(text);
        Assert.Equal(Intents.PreviewDataset, guess.Intent);
        var thresholds = BlendThresholds.Default with
        {
            RescueProbability = 2, ConversationRescueProbability = guess.Probability - 0.01, SwitchProbability = 0, OverruleProbability = 0,
        };
        var nothing = new Decision(Intents.OutOfScope, IntentClassifier.NoRequest, 0.7);

        Assert.Equal(Intents.PreviewDataset, Blend(nothing, text, thresholds, inConversation: true).Intent);
        Assert.Equal(Intents.OutOfScope, Blend(nothing, text, thresholds, inConversation: false).Intent);
        Assert.Equal(Intents.ListDatasets, Blend(Scored(Intents.ListDatasets, 0.55), text, thresholds, inConversation: true).Intent);
    }

    [Theory]
    [InlineData("how do I zorp a model on sales.csv?", true)] // names a file: may be a request phrased as a question
    [InlineData("how do I zorp a model?", false)] // names nothing: a how-to question stays one
    public void AQuestionFormNamingSomethingMayBecomeARequest(string text, bool request)
    {
        var u = Utterance.Analyse(ChatText.Clean(text));
        var rules = IntentClassifier.Classify(u, EntityExtractor.Scan(u));
        Assert.Equal(Intents.Ask, rules.Intent);
        var thresholds = BlendThresholds.Default with { QuestionProbability = 0 };

        var decision = ClassifierBlend.Combine(rules, u, EntityExtractor.Scan(u), false, new Lazy<IntentModel>(Toy), thresholds);

        Assert.Equal(request ? Intents.PreviewDataset : Intents.Ask, decision.Intent);
    }
}
