using System.Collections.Frozen;

namespace SwarmAgentBot.Agents.Supervisor.Routing;

/// <summary>
/// The router's vocabulary: which words carry which <see cref="Concept"/>, multi-word phrases
/// folded into one word before lookup, chat shorthand, and the words typo correction may aim at.
/// Built once; lookups are frozen dictionaries.
/// </summary>
internal static class Lexicon
{
    /// <summary>Word → concepts (after phrase folding and typo correction).</summary>
    public static readonly FrozenDictionary<string, Concept> Words = BuildWords();

    /// <summary>Chat shorthand and common misspellings too short for edit distance → the word meant.</summary>
    public static readonly FrozenDictionary<string, string> Shorthand = new Dictionary<string, string>
    {
        ["u"] = "you", ["ur"] = "your", ["r"] = "are", ["pls"] = "please", ["plz"] = "please", ["pleas"] = "please",
        ["thx"] = "thanks", ["thanx"] = "thanks", ["ty"] = "thanks", ["tnx"] = "thanks", ["wat"] = "what", ["wot"] = "what",
        ["whats"] = "what is", ["wats"] = "what is", ["hows"] = "how is", ["whos"] = "who is", ["wheres"] = "where is",
        ["gimme"] = "give me", ["lemme"] = "let me", ["wanna"] = "want to", ["gonna"] = "going to", ["cud"] = "could",
        ["lgos"] = "logs", ["plto"] = "plot", ["hlep"] = "help", ["halp"] = "help", ["tran"] = "train", ["trn"] = "train",
        ["lsit"] = "list", ["lits"] = "list", ["shwo"] = "show", ["sho"] = "show", ["sow"] = "show", ["stpo"] = "stop",
        ["dpeloy"] = "deploy", ["depoy"] = "deploy", ["delpoy"] = "deploy", ["drfit"] = "drift", ["dirft"] = "drift",
        ["runz"] = "runs", ["modl"] = "model", ["mdoel"] = "model", ["rn"] = "now", ["pic"] = "plot",
        ["plz."] = "please", ["thnx"] = "thanks", ["thks"] = "thanks", ["cya"] = "bye", ["l8r"] = "later",
        ["aprove"] = "approve", ["apporve"] = "approve", ["approv"] = "approve", ["rejct"] = "reject",
        ["what's"] = "what is", ["you're"] = "you are", ["we're"] = "we are", ["they're"] = "they are", ["i'm"] = "i am", ["im"] = "i am", ["who's"] = "who is", ["where's"] = "where is", ["how's"] = "how is", ["there's"] = "there is", ["it's"] = "it is", ["that's"] = "that is", ["let's"] = "let us",
        ["succesful"] = "successful", ["successfull"] = "successful", ["sucessful"] = "successful", ["histroy"] = "history", ["hisotry"] = "history", ["dataset's"] = "dataset", ["model's"] = "model",
        ["logz"] = "logs", ["stat"] = "status", ["stats"] = "stats", ["info"] = "info", ["ls"] = "ls",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Phrases folded into one word (matched on the space-joined lower-case words, padded with spaces).</summary>
    public static readonly (string From, string To)[] Phrases =
    [
        (" roll back ", " rollback "), (" rolled back ", " rollback "), (" rolling back ", " rollback "), (" roll it back ", " rollback it "),
        (" roll that back ", " rollback it "), (" roll it out ", " deploy it "), (" roll them out ", " deploy them "),
        (" roll this out ", " deploy it "), (" sign off on ", " approve "), (" are squared ", " r2 "), (" auto retrain ", " autoretrain "),
        (" automatic retrain ", " autoretrain "), (" automatic retraining ", " autoretrain "), (" auto retraining ", " autoretrain "),
        (" retraining automatically ", " autoretrain "), (" automated retraining ", " autoretrain "), (" automatically retrain ", " autoretrain "), (" retrain automatically ", " autoretrain "),
        (" model file ", " model files "), (" run history ", " runs history "), (" job history ", " runs history "), (" execution history ", " runs history "), (" for a while ", " history "), (" blew up ", " failed "), (" blow up ", " failed "), (" fell over ", " failed "),
        (" what happened ", " why "), (" pull the plug on ", " cancel "), (" shut down ", " cancel "), (" shut it down ", " cancel it "),
        (" call off ", " cancel "), (" page me ", " alert me "), (" ping me ", " alert me "), (" text me ", " alert me "), (" email me ", " alert me "),
        (" what is up ", " hello "), (" sup ", " hello "), (" wassup ", " hello "), (" come up with ", " tried "), (" came up with ", " tried "), (" went into ", " origin "),
        (" go into ", " origin "), (" goes into ", " origin "), (" fed into ", " origin "), (" came out of ", " produced by "), (" come out of ", " produced by "), (" comes out of ", " produced by "), (" what went wrong ", " why failed "), (" roll out ", " deploy "), (" rolled out ", " deploy "), (" go live ", " deploy "),
        (" re train ", " retrain "), (" re-train ", " retrain "), (" re run ", " rerun "), (" re-run ", " rerun "), (" train again ", " retrain "),
        (" train it again ", " retrain it "), (" kick off ", " start "), (" kicked off ", " start "), (" kick-off ", " start "),
        (" fire off ", " start "), (" fire up ", " start "), (" spin up ", " start "), (" get rid of ", " delete "),
        (" feature importance ", " importance "), (" feature importances ", " importance "), (" shap values ", " importance "),
        (" most important features ", " importance "), (" important features ", " importance "), (" which features matter ", " importance "),
        (" features matter ", " importance "), (" data set ", " dataset "), (" data sets ", " datasets "), (" side by side ", " compare "),
        (" next to each other ", " compare "), (" log loss ", " logloss "), (" macro f1 ", " macro_f1 "), (" f1 macro ", " macro_f1 "),
        (" macro-f1 ", " macro_f1 "), (" f1 score ", " f1 "), (" f1-score ", " f1 "), (" roc auc ", " auc "), (" roc-auc ", " auc "),
        (" r squared ", " r2 "), (" test env ", " staging "), (" test environment ", " staging "), (" pre prod ", " staging "),
        (" pre-prod ", " staging "), (" over time ", " history "), (" root cause ", " why "), (" stack trace ", " logs "),
        (" error output ", " logs "), (" error message ", " logs "), (" went wrong ", " failed "), (" sign off ", " signoff "),
        (" sign-off ", " signoff "), (" signed off ", " signoff "), (" how well ", " evaluate "), (" missing values ", " missing "),
        (" null values ", " missing "), (" class balance ", " classbalance "), (" label balance ", " classbalance "), (" class distribution ", " classbalance "),
        (" data quality ", " dataquality "), (" look at ", " peek "), (" look like ", " lookslike "), (" before training ", " beforehand "),
        (" remind me to ", " offtopic "), (" lose weight ", " offtopic "), (" top models ", " leaderboard "), (" best models ", " leaderboard "),
        (" models tried ", " leaderboard "), (" past drift ", " history drift "), (" previous drift ", " history drift "), (" earlier drift ", " history drift "),
        (" drift results ", " history drift "), (" how come ", " why "), (" stand for ", " mean "), (" stands for ", " mean "), (" came from ", " origin "), (" come from ", " origin "), (" comes from ", " origin "),
        (" built from ", " origin "), (" trained on ", " origin trained "), (" derived from ", " origin "), (" who did ", " who audit "),
        (" what can you do ", " help "), (" what do you do ", " help "), (" in progress ", " running "), (" up to date ", " fresh "),
        (" bar chart ", " chart "), (" scatter plot ", " scatter "), (" line chart ", " chart "), (" feature store ", " featurestore ml "),
        (" machine learning ", " ml "), (" audit trail ", " audit "), (" audit log ", " audit "), (" approval queue ", " approval pending "),
        (" drift check ", " drift check "), (" time budget ", " budget "), (" hyper parameters ", " hyperparameters "),
        (" how long until ", " status "), (" how far along ", " status "), (" done yet ", " status "), (" coming along ", " status "),
        (" take a look ", " look "), (" first rows ", " preview "), (" first few rows ", " preview "), (" data types ", " types "),
        (" what is in ", " what contents "), (" what's in ", " what contents "), (" whats in ", " what contents "),
        (" good bye ", " bye "), (" see you ", " bye "), (" thank you ", " thanks "), (" have a nice day ", " bye "),
        (" good morning ", " hello "), (" good afternoon ", " hello "), (" good evening ", " hello "), (" good night ", " bye "),
        (" linked list ", " code "), (" for loop ", " code "), (" sql query ", " code "), (" unit test ", " code "), (" git commit ", " code "),
        (" turn down ", " reject "), (" turned down ", " reject "), (" sign off approval ", " approve approval "), (" sign off request ", " approve request "),
        (" green light ", " approve "), (" output files ", " artifacts "), (" what you can do ", " help "), (" what you can help with ", " help "),
        (" cover letter ", " offtopic "), (" sales pipeline ", " offtopic "), (" sales team ", " offtopic "), (" marketing team ", " offtopic "),
        (" hiring pipeline ", " offtopic "), (" recruiting pipeline ", " offtopic "), (" deal pipeline ", " offtopic "), (" fitness tracker ", " offtopic "), (" super bowl ", " offtopic "), (" world cup ", " offtopic "), (" stock market ", " offtopic "),
        (" exchange rate ", " offtopic "), (" meaning of life ", " offtopic "), (" fun fact ", " offtopic "), (" flat tire ", " offtopic "),
    ];

    /// <summary>
    /// <see cref="Phrases"/> as word sequences indexed by their first word, so folding is one pass over the words
    /// (a long message costs as many dictionary lookups as it has words, not phrases × characters).
    /// </summary>
    public static readonly FrozenDictionary<string, (string[] From, string[] To)[]> PhrasesByFirstWord = Phrases
        .Select(p => (From: p.From.Split(' ', StringSplitOptions.RemoveEmptyEntries), To: p.To.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
        .GroupBy(p => p.From[0], StringComparer.Ordinal)
        // Longest first: "first few rows" must win over a shorter phrase that starts the same way.
        .ToFrozenDictionary(g => g.Key, g => g.OrderByDescending(p => p.From.Length).ToArray(), StringComparer.Ordinal);

    /// <summary>Real words the typo corrector must leave alone although they are close to a keyword.</summary>
    public static readonly FrozenSet<string> KnownWords = (
        "original originally originals regional trainee trainees stale state states stake stable table tables mode modal modes motel date dates rain brain drain grain trail trial trials plan plans "
        + "last lost lust mist fist test text best rest west nest vest shop snow slow shot runs rune ruin legs lags loss lose lost drip prop "
        + "file fill film fire five fine mile held hell helm pilot slot blot chat charm cart grape heat heal lead read dead draft gift "
        + "step steps stops spot kill bill hill mill will skill salt hall half store scare snore shore scope spore stage stare share "
        + "model models month months ready reply rely really real deal steal start star stars started starting starts status statue "
        + "delta debt delete deleted rate rates late later data note notes node nodes code codes mode cost costs host hosts list listed "
        + "posted poster paste taste waste haste fast past mast vast task tasks mask asks pasta sales scale scales value values valve "
        + "chart charts check checks cheek cheers there their these those three threw throw thrown where were wear here hear near "
        + "train trains trained trainer gain gains again against agent agents plain planet plant plants point points print prints "
        + "prince price prices spice slice split splits spilt drive drives driven driver dive diver river rivers liver live lives alive "
        + "give given gives live lived loves love moves move moved proof prove proved proven approve approved improve improved "
        + "support report reports resort sport sports export exports import imports impact impacts input inputs output outputs "
        + "column columns volume volumes colum collar color colour label labels lapel level levels novel newer newest never fewer "
        + "count counts court courts county country source sources course courses cause causes pause clause claims claim "
        + "shift shifts shirt shirts drift drifts lift gift swift thrift sift bound found round sound around pound wound "
        + "audit audio radio ratio patio adult adults about above abort aborted boat boats coat float floats flat flag flags "
        + "black block blocks clock clocks click flock frock brick trick tricks track tracks truck trucks stack stacks snack "
        + "logic login logins logo lodge large larger largest target targets garage market markets marker markers "
        + "cancel candle handle handles camel panel panels channel channels tunnel funnel kernel "
        + "retain retains remain remains refrain regain obtain contain detain certain curtain mountain fountain "
        + "reject object objects subject subjects project projects protect predict predicts verdict edict "
        + "region regions reason reasons season seasons prison poison person persons lesson lessons "
        + "profile profiles provide provided prove profit profits proxy prefix suffix prefer proper "
        + "lineage mileage linear liner linen leakage package packages passage message messages "
        + "history histories mystery victory factory story stories "
        + "monitor monitors mentor mentors minor motor motors senator "
        + "upload uploads unload download downloads payload overload reload "
        + "review reviews preview previews revise revision version versions vision persion mansion "
        + "explain explains explained plain complain domain remains "
        + "compare compared compile compiled compete complete completed company compass campaign "
        + "deploy deploys employ employed deplete decoy "
        + "schema scheme schemes schema's cinema "
        + "pending spending sending bending lending mending tending vending ending endings "
        + "reproduce produce produced product products reduce reduced introduce "
        + "evaluate elevate elevated escalate "
        + "predicted predicting prediction predictions "
        + "leaderboard keyboard dashboard "
        + "pipeline pipelines timeline timelines guideline guidelines headline deadline "
        + "approval approvals removal arrival survival revival "
        + "metric metrics matrix metro retro "
        + "bucket buckets rocket rockets pocket pockets socket sockets ticket tickets "
        + "rows cows bows vows rose roses rods robs "
        + "weather whether feather leather heather "
        + "class classes glass grass brass pass mass "
        + "error errors mirror terror horror "
        + "score scored scores scare scope "
        + "fraud fraude "
        + "churn church chur churned churning "
        + "which witch switch watch match batch batches patch latch catch "
        + "tenure tenured venue venues menu menus "
        + "quality equality "
        + "amount mount counts mounts "
        + "income incomes outcome outcomes "
        + "survived survive survivor "
        + "species special specials "
        + "contract contracts contact contacts context "
        + "range ranges orange change changes changed charge charges charged "
        + "retrieve receive receiver "
        + "tried tired tries tribe "
        + "slack stack black teams team steam "
        + "drop drops crop crops prop props drip drips "
        + "plot plots pilot slot slots lot lots blot "
        + "draw drew draws drawn "
        + "graph graphs grape grapes "
        + "wine wind wines winds "
        + "bike bikes like likes hike "
        + "price prices pride prize "
        + "spam span scam "
        + "iris irish "
        + "titanic tetanic "
        + "window windows widow "
        + "record records recorded "
        + "latest lattes "
        + "hourly hourlies daily dairy weekly weakly monthly "
        + "alert alerts alter alters later "
        + "threshold thresholds "
        + "every very ever "
        + "stage stages staged staging "
        + "prod prods plod pods "
        + "user users use used uses "
        + "action actions auction auctions "
        + "comment comments "
        + "step steps stop stops "
        + "topic topics tonic "
        + "question questions "
        + "help held helm hello "
        + "greeting greetings "
        + "joke jokes poke woke coke "
        + "pizza pasta piazza "
        + "movie movies moved mover "
        + "recipe recipes receipt "
        + "flight flights fight fights light lights slight "
        + "song songs "
        + "poem poems "
        + "haiku "
        + "hotel hotels "
        + "tokyo paris london "
        + "here's "
    ).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Keywords the typo corrector may correct towards (the concept words of at least 4 letters), grouped by first letter.</summary>
    public static readonly FrozenDictionary<char, string[]> CorrectionTargets = Words.Keys
        // "stats" is left out: a one-letter slip of "status" ("staus") must not become a profile request.
        .Where(w => w.Length >= 4 && w.All(char.IsAsciiLetterLower) && (Words[w] & ~(Concept.Filler | Concept.Anaphora | Concept.OffTopic | Concept.Code)) != 0 && w != "stats")
        .GroupBy(w => w[0])
        .ToFrozenDictionary(g => g.Key, g => g.ToArray());

    /// <summary>Concepts of a word, or none.</summary>
    public static Concept Of(string word) => Words.TryGetValue(word, out var c) ? c : Concept.None;

    private static FrozenDictionary<string, Concept> BuildWords()
    {
        var map = new Dictionary<string, Concept>(StringComparer.Ordinal);
        void Add(string words, Concept concept)
        {
            foreach (var w in words.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                map[w] = map.TryGetValue(w, out var existing) ? existing | concept : concept;
        }

        Add("list lists listing ls enumerate available exist exists existing", Concept.List);
        Add("show shows display view see get give print fetch tell find contents", Concept.Show);
        Add("upload uploading store save import ingest add attach attached attaching here's stash persist", Concept.Upload);
        // Past participles describe what exists ("which datasets are stored"), so they list rather than upload.
        Add("stored saved uploaded imported ingested", Concept.List);
        Add("preview head peek sample glance rows lines lookslike", Concept.Preview);
        Add("profile profiling schema missing nulls null nan nans stats statistics summary summarise summarize "
            + "distribution distributions classbalance types dtypes dataquality eda cardinality imbalance imbalanced balanced unbalanced skewed skew outliers", Concept.Profile);
        Add("delete deleted deleting remove removed drop erase wipe purge trash destroy discard deletion deletions nuke scrap rm", Concept.Delete);
        Add("plot plots plotting chart charts graphs figures histogram histograms scatter graph visualise visualize visualisation visualization draw boxplot heatmap", Concept.Plot);
        Add("artifact artifacts artefact artefacts outputs", Concept.Artifact);
        Add("pipeline pipelines workflow workflows dag dags kubeflow", Concept.Pipeline);
        Add("describe explain params parameters steps about", Concept.Describe);
        Add("run start launch trigger execute fire begin kick kickoff restart relaunch", Concept.Start);
        Add("runs jobs job executions execution run", Concept.RunNoun);
        Add("status progress state going done finished finish finishes complete ready along eta", Concept.Status);
        Add("logs log stderr stdout traceback stacktrace trace tail output console", Concept.Logs);
        Add("cancel canceled cancelled stop abort kill terminate halt", Concept.Cancel);
        Add("compare comparison vs versus diff differ", Concept.Compare);
        Add("train training trained fit automl", Concept.Train);
        Add("retrain retraining retrained refresh autoretrain refit refitting refitted", Concept.Retrain);
        Add("leaderboard candidates candidate tried ranking rankings trials", Concept.Leaderboard);
        Add("importance importances shap drive drives matter matters influential contributes", Concept.Importance);
        Add("explain explanation explanations", Concept.Explain);
        Add("evaluate evaluation validate benchmark performance perform performs performing accurate assess", Concept.Evaluate);
        Add("model models classifier regressor", Concept.Model);
        Add("version versions", Concept.Versions);
        Add("registry registered register", Concept.Registry);
        Add("deploy deploying promote promoted ship release push publish", Concept.Deploy);
        Add("rollback revert reverted downgrade undo restore", Concept.Rollback);
        Add("deployed deployment deployments live serving endpoint endpoints", Concept.Deployed);
        Add("predict predicts predicting prediction predictions inference classify say", Concept.Predict);
        Add("score scoring scored", Concept.Score);
        Add("drift drifting drifted drifts shift shifting psi", Concept.Drift);
        Add("why cause caused causing reason driving behind", Concept.Why);
        Add("history trend trends trended trending timeline evolved worse", Concept.History);
        Add("monitor monitoring watch watching alert alerts notify schedule scheduled threshold hourly daily weekly nightly every automatically autoretrain", Concept.Monitor);
        Add("lineage provenance origin origins upstream downstream", Concept.Lineage);
        Add("audit changed changes actions activity", Concept.Audit);
        Add("who", Concept.Who);
        Add("reproduce reproducible replicate rerun repeat reproducibility repro replay", Concept.Reproduce);
        Add("approval approvals signoff review queue", Concept.Approval);
        Add("approve approving lgtm accept", Concept.Approve);
        Add("reject rejecting deny decline declining veto refuse", Concept.Reject);
        Add("pending waiting awaiting queued", Concept.Pending);
        Add("help capabilities commands", Concept.Help);
        Add("hi hello hey heya hiya howdy yo thanks thank thx ty cheers bye goodbye cya later morning afternoon evening", Concept.Greeting);
        Add("dataset data file csv table spreadsheet export extract", Concept.Dataset);
        Add("datasets files csvs tables storage", Concept.Datasets);
        Add("bucket buckets", Concept.Bucket);
        Add("fail failed failing failure broken crashed error errors errored wrong", Concept.Failed);
        Add("again", Concept.Again);
        Add("check checking detect", Concept.Check);
        Add("test testing", Concept.Test);
        Add("column columns feature features", Concept.Column);
        // "which files did run 12 write out": what a run wrote is what it produced.
        Add("produce produced produces generated created write writes wrote written emit emitted", Concept.Produce);
        Add("features feature", Concept.Features);
        Add("it its that this them those same one both", Concept.Anaphora);
        // Words allowed around a greeting ("ok thanks a lot!") without making it a request.
        Add("please ok okay so much lot a all that's for now there team everyone folks guys bot great cool nice awesome perfect "
            + "today tonight brilliant good thanks thank you very really appreciate appreciated it is was the of to and super that this amazing helpful excellent "
            + "fantastic wonderful day have nice job work done well are swarm swarmbot bunch ton tons million heaps loads mate buddy pal dude friend friends y'all", Concept.Filler);
        // Off-topic subjects: asking about these is not MLOps whatever verb is used.
        Add("weather rain forecast temperature joke jokes poem poems haiku song songs lyrics music sing recipe recipes cook cooking bake baking "
            + "pizza lasagna salmon bread dinner lunch breakfast restaurant restaurants movie movies film films podcast book flight flights hotel "
            + "hotels trip vacation holiday travel capital president election politics football soccer basketball lakers nba nfl offtopic "
            + "bitcoin crypto stocks calories diet weight dog dogs cat cats pet pets birthday gift girlfriend boyfriend wife husband mom dad "
            + "everest population taxes tax painting painted painter mona lisa traffic highway novel quantum physics chemistry relativity universe galaxy translate translation spanish french german italian homework math tire tap plumber dentist appointment "
            + "alarm reminder email emails twitter tiktok instagram facebook costume party wordpress blog website iphone laptop "
            + "gaming game games hamlet shakespeare empire roman war ww2 wwii history's horoscope dice sentient chatgpt meme memes "
            + "marathon gym workout vegetarian wine's tokyo paris london manchester italy japan france canada australia miles km "
            // Everyday things whose verbs collide with MLOps ones ("my boat keeps drifting", "the pipeline under my sink is leaking").
            + "boat boats dock docks sailing sail yacht kayak canoe fishing kitchen sink sinks plumbing plumber pipes faucet "
            + "toilet bathroom shower garden gardening lawn roof basement furniture sofa couch car cars tyres tires premier league "
            + "golf tennis cricket baseball hockey olympics playoffs scoreboard concert guitar piano knitting yoga meditation wedding "
            + "christmas halloween thanksgiving coffee beer cocktail snacks rent mortgage lottery casino poker chess sudoku crossword riddle "
            + "beach hiking camping sunburn haircut shoes jacket fridge oven microwave railway commute volcano kid kids printer chairs "
            + "desk desks offsite sourdough flavour flavor puppy puppies barking blood airplane airplanes toddler baby babies grandma cycling snow snowing raining sunny sleep wrench wrenches "
            // Office and leisure life ("roll back the carpet", "the drift at the ski resort", "train the new hires on git").
            + "carpet carpets rug rugs curtains hallway ski skiing snowboard whiteboard retro catwalk hires", Concept.OffTopic);
        Add("python javascript typescript java css html react angular regex div tuple tuples array arrays dictionary linked recursion "
            + "leetcode fizzbuzz pointer segfault compile compiler git rebase npm node function functions prime string strings code", Concept.Code);
        // Machine-learning vocabulary: a question that uses it is a knowledge question, not small talk.
        Add("ml mlops overfitting overfit underfitting regularization regularisation hyperparameter hyperparameters crossvalidation "
            + "accuracy precision recall f1 macro_f1 auc logloss rmse mae r2 psi metric metrics label labels target feature features "
            + "featurestore xgboost automl boosting gradient forest tree trees ensemble epoch epochs learning inference serving "
            + "drift model models training dataset datasets pipeline pipelines deployment deployments staging production registry "
            + "approval approvals rollback monitoring lineage audit canary shadow bias fairness explainability shap imbalanced imbalance "
            + "classification regression classifier regressor confusion calibration threshold embedding embeddings neural budget "
            + "experiment experiments artifact artifacts kubernetes minio s3 retrain retraining reproducibility leakage outliers "
            + "normalization scaling encoding validation holdout split kfold docker container containers transformer transformers llm llms "
            + "mlflow sagemaker databricks spark onnx evidently whylogs airflow dvc optuna lightgbm catboost sklearn scikit pytorch tensorflow "
            + "keras seldon bentoml kserve wandb zenml metaflow", Concept.Ml);
        return map.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
