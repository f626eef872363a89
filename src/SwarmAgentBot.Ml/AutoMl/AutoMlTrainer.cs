using System.Diagnostics;
using System.Globalization;
using SwarmAgentBot.Ml.Preparation;
using SwarmAgentBot.Ml.Tabular;
using SwarmAgentBot.Ml.Xgboost;

namespace SwarmAgentBot.Ml.AutoMl;

/// <summary>
/// AutoML on a table with XGBoost: detects the task and metric, holds out a stratified test split, prepares features,
/// searches learners and hyperparameters within the time budget (cost-frugal local search from cheap configurations,
/// early stopping on validation, k-fold cross-validation on small data, pruning of hopeless trials after their first
/// fold), refits the winner on all training rows, tunes the decision rule for f1-type metrics, and evaluates on the
/// test rows. CPU-bound work runs on a background thread; the call honours its cancellation token between rounds.
/// </summary>
public sealed class AutoMlTrainer
{
    private const int SmallDataRows = 5000;

    /// <summary>
    /// Validation folds by training rows: 10 up to 1,000 rows, 3 up to 5,000, else 0 (a 20% holdout).
    /// Every row validates once under k-fold; on small data the estimate is so noisy that the search, comparing hundreds
    /// of trials, ends up choosing a configuration that suits one fold split. Ten folds train on 90% of the rows (closer
    /// to the final model) and average over more splits, and such small data can afford the extra trainings. Above that,
    /// more folds cost more trials than they gain (a search needing deep trees, as on all-categorical data, fell short).
    /// </summary>
    internal static int DefaultFolds(int rows) => rows <= 1000 ? 10 : rows <= SmallDataRows ? 3 : 0;

    /// <summary>Trains a model bundle.</summary>
    /// <param name="data">The training table (target included).</param>
    /// <param name="options">Target, task, metric, budget, seed and limits.</param>
    /// <param name="progress">Receives progress after each trial and stage (may be null).</param>
    /// <param name="cancellationToken">Stops the run (throws <see cref="OperationCanceledException"/>).</param>
    /// <exception cref="TrainingInputException">The data or options cannot be used; the message says why.</exception>
    public Task<TrainingResult> TrainAsync(TabularData data, AutoMlOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        return Task.Factory.StartNew(() => new Run(data, options, progress, cancellationToken).Execute(),
            cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>
    /// Loads a CSV for training, turning file problems into <see cref="TrainingInputException"/>s with the reader's
    /// message (missing file, empty, not a CSV, ragged rows with their line numbers).
    /// </summary>
    public static async Task<TabularData> LoadDataAsync(string path, CancellationToken cancellationToken = default)
    {
        try
        {
            return await CsvTable.LoadAsync(path, null, cancellationToken);
        }
        catch (CsvFormatException e)
        {
            throw new TrainingInputException($"The dataset cannot be read: {e.Message}", e);
        }
        catch (FileNotFoundException e)
        {
            throw new TrainingInputException($"There is no dataset file at {path}.", e);
        }
    }

    private sealed record Fold(DMatrix Train, DMatrix Valid, int[] ValidRows) : IDisposable
    {
        public void Dispose()
        {
            Train.Dispose();
            Valid.Dispose();
        }
    }

    private sealed record TrialOutcome(double Score, double Loss, int Rounds, float[]? Predictions, DecisionRule Rule, string Status, double[] FoldLosses, double WorkUnits, int[] ValidRows)
    {
        /// <summary>Rounds kept (early-stopped) in each fold, in fold order.</summary>
        public int[] FoldRounds { get; init; } = [];
    }

    private sealed class LearnerState(string name, LocalSearch search)
    {
        public string Name { get; } = name;
        public LocalSearch Search { get; } = search;
        public int Trials { get; set; }
        public double Cost { get; set; }
        public double CostSinceImprovement { get; set; }
        public double BestLoss { get; set; } = double.PositiveInfinity;
        public double FirstLoss { get; set; } = double.NaN;
        public double CostToBest { get; set; }
        public bool Exhausted { get; set; }
    }

    private sealed class Run(TabularData data, AutoMlOptions options, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly TimeSpan _budget = options.TimeBudget;
        private readonly int _threads = options.Threads > 0 ? options.Threads : DefaultThreads(data);
        private readonly List<LeaderboardEntry> _leaderboard = [];
        private string _metric = "";
        private TaskKind _task;
        private int _classes;

        private TimeSpan Remaining => _budget - _clock.Elapsed;

        public TrainingResult Execute()
        {
            // 1. Target, task, metric; test split.
            var full = FeaturePreparation.Fit(data, ToPreparationOptions(null));
            _task = full.Preparation.Task;
            _classes = full.Preparation.ClassLabels.Count;
            _metric = options.Metric is null ? Metrics.DefaultFor(_task) : Metrics.Validate(options.Metric, _task);
            var keptTable = full.SourceRows.Length == data.RowCount ? data : data.SelectRows(full.SourceRows);
            var classIndex = _task == TaskKind.Regression ? null : full.Labels.Select(v => (int)v).ToArray();
            int[] trainRows, testRows;
            if (options.TestFraction > 0)
                (trainRows, testRows) = DataSplits.StratifiedSplit(classIndex, keptTable.RowCount, options.TestFraction, options.Seed);
            else
                (trainRows, testRows) = (Enumerable.Range(0, keptTable.RowCount).ToArray(), []);
            var trainTable = testRows.Length == 0 ? keptTable : keptTable.SelectRows(trainRows);
            ct.ThrowIfCancellationRequested();

            // 2. Preparation fitted on training rows only.
            var prepared = testRows.Length == 0 ? full : FeaturePreparation.Fit(trainTable, ToPreparationOptions(_task) with { CheckRowCounts = false });
            var preparation = prepared.Preparation;
            var x = prepared.Features;
            var y = prepared.Labels;
            var trainClasses = _task == TaskKind.Regression ? null : y.Select(v => (int)v).ToArray();

            // 3. Validation scheme.
            var foldCount = options.Folds ?? DefaultFolds(y.Length);
            var folds = BuildFolds(x, y, trainClasses, foldCount);
            using var fullTrain = DMatrix.FromDense(x.Values, x.Rows, x.Columns, _threads);
            fullTrain.SetLabels(y);
            try
            {
                // 4. Search.
                var (best, bestEntry) = Search(folds, y);
                if (best is null || bestEntry is null)
                    throw new TrainingInputException($"The time budget of {_budget.TotalSeconds:0.#} s was too short to finish a single trial on {y.Length} rows; give more time.");

                // 5. Ensemble: greedy selection over the best trials' validation predictions, kept only if it does not lose.
                var ensemble = SelectEnsemble(best, bestEntry, y, folds.Count);
                var truth = ensemble.ValidRows.Select(i => y[i]).ToArray();

                // 6. The final model(s): the cross-validation fold models themselves when they fit in the time left
                //    (bagging), else a refit of the winner(s) on every training row.
                var bag = BagFolds(ensemble, folds);
                Report(_leaderboard.Count, "refit", bestEntry);
                var boosters = new List<Booster>();
                var members = new List<EnsembleMember>();
                try
                {
                    var hardStop = _budget * 1.05;
                    foreach (var (candidate, weight) in ensemble.Members)
                    {
                        var entry = candidate.Entry;
                        var forest = entry.Learner == LearnerNames.Forest;
                        if (bag)
                        {
                            for (var f = 0; f < folds.Count; f++)
                            {
                                var rounds = forest ? 1 : candidate.Outcome.FoldRounds[f];
                                members.Add(Train(entry, folds[f].Train, rounds, weight / folds.Count, hardStop, boosters));
                            }
                        }
                        else
                        {
                            var rounds = forest ? 1 : Math.Max(1, (int)Math.Round(candidate.Outcome.Rounds * (folds.Count > 1 ? 1.1 : 1.15)));
                            members.Add(Train(entry, fullTrain, rounds, weight, hardStop, boosters));
                        }
                    }

                    // 7. Held-out test metrics.
                    Report(_leaderboard.Count, "evaluate", bestEntry);
                    var testMetrics = new Dictionary<string, double>();
                    if (testRows.Length > 0)
                    {
                        var testTable = keptTable.SelectRows(testRows);
                        var xt = preparation.Transform(testTable);
                        var yt = preparation.EncodeTarget(testTable);
                        using var testMatrix = DMatrix.FromDense(xt.Values, xt.Rows, xt.Columns, _threads);
                        float[]? average = null;
                        for (var m = 0; m < boosters.Count; m++)
                        {
                            var p = boosters[m].Predict(testMatrix);
                            average ??= new float[p.Length];
                            for (var i = 0; i < p.Length; i++) average[i] += (float)(members[m].Weight * p[i]);
                        }
                        testMetrics = AllMetrics(yt, average!, ensemble.Rule);
                    }
                    var validationMetrics = AllMetrics(truth, ensemble.Predictions, ensemble.Rule);
                    var first = members[0];
                    var bundle = new ModelBundle
                    {
                        ModelId = "m-" + Guid.NewGuid().ToString("N")[..12],
                        CreatedAt = DateTimeOffset.UtcNow,
                        Task = _task,
                        Target = options.Target,
                        Metric = _metric,
                        Learner = members.Count > 1 ? "ensemble" : first.Learner,
                        Parameters = first.Parameters,
                        Rounds = first.Rounds,
                        ModelJson = first.ModelJson,
                        Members = members.Count > 1 ? members : [],
                        Preparation = preparation,
                        DecisionRule = ensemble.Rule,
                        TestMetrics = testMetrics,
                        ValidationMetrics = validationMetrics,
                        Leaderboard = _leaderboard.ToList(),
                        FeatureImportance = Importance(boosters, members, preparation),
                        Config = ToConfig(folds.Count > 1 ? folds.Count : null),
                        DatasetSha256 = data.ContentSha256,
                        TrainingRows = y.Length,
                        TestRows = testRows.Length,
                        XgboostVersion = VersionText(),
                    };
                    Report(_leaderboard.Count, "done", bestEntry);
                    return new TrainingResult(bundle, _clock.Elapsed);
                }
                finally
                {
                    foreach (var b in boosters) b.Dispose();
                }
            }
            finally
            {
                foreach (var f in folds) f.Dispose();
            }
        }

        /// <summary>
        /// Most models a bundle gets from bagging: serving scores every model on each prediction. 30 tripled the
        /// serving bench's batch predict time (the 10,000-row batch went from ~40 to ~120 ms of XGBoost alone), so
        /// 10: under 10-fold validation one member's fold models, under 5 folds two members'.
        /// </summary>
        private const int MaxBaggedModels = 10;

        /// <summary>Fewest folds whose models are bagged: each then trains on at least 80% of the rows.</summary>
        private const int MinBaggedFolds = 5;

        /// <summary>
        /// Whether each ensemble member (or the winner) becomes the average of its cross-validation fold models, each
        /// trained on (k−1)/k of the rows with its own early-stopped round count, instead of one refit on every row.
        /// Averaging k models trained on different rows lowers the variance of the predictions (bagging), and they are
        /// exactly the models whose out-of-fold predictions chose the ensemble and the decision rule, so the threshold or
        /// class weights fit the probabilities served. Used with k-fold validation when retraining fits in the time left
        /// (the ensemble selection keeps at most <see cref="MaxBaggedModels"/>/k members for this).
        /// </summary>
        private bool BagFolds(Ensemble ensemble, List<Fold> folds)
        {
            // With few folds each fold model misses a third of the rows or more, which costs more than averaging gains
            // (all-categorical data needing every row lost accuracy with 3 folds): those runs refit on every row.
            if (folds.Count < MinBaggedFolds || ensemble.Members.Count * folds.Count > MaxBaggedModels) return false;
            if (ensemble.Members.Any(m => m.Candidate.Outcome.FoldRounds.Length != folds.Count)) return false;
            // A trial trained every fold with early stopping (patience rounds past the best): retraining costs about as much.
            var seconds = ensemble.Members.Sum(m => m.Candidate.Entry.Seconds) * 1.2 + 0.2;
            return seconds < (_budget * 1.02 - _clock.Elapsed).TotalSeconds;
        }

        private EnsembleMember Train(LeaderboardEntry entry, DMatrix train, int rounds, double weight, TimeSpan hardStop, List<Booster> boosters)
        {
            var booster = Booster.Create(entry.Parameters, train);
            boosters.Add(booster);
            for (var i = 0; i < rounds; i++)
            {
                ct.ThrowIfCancellationRequested();
                booster.UpdateOneIteration(i, train);
                if (_clock.Elapsed > hardStop) { rounds = i + 1; break; }
            }
            return new EnsembleMember(entry.Learner, entry.Parameters, rounds, weight) { ModelJson = booster.SaveModel("json") };
        }

        /// <summary>
        /// One thread below about two million cells: on small data OpenMP's fork/join costs more than it saves, and on a
        /// busy machine spinning threads can make a round ten times slower. Larger data uses every core.
        /// </summary>
        private static int DefaultThreads(TabularData table) =>
            (long)table.RowCount * table.ColumnCount < 2_000_000 ? 1 : Environment.ProcessorCount;

        private int Width => _task == TaskKind.MulticlassClassification ? _classes : 1;

        private PreparationOptions ToPreparationOptions(TaskKind? task) => new()
        {
            Target = options.Target,
            Task = task ?? options.Task,
            DropColumns = options.DropColumns,
            PositiveClass = options.PositiveClass,
            Seed = options.Seed,
        };

        private TrainingConfig ToConfig(int? folds) => new()
        {
            Target = options.Target, RequestedTask = options.Task?.ToName(), RequestedMetric = options.Metric, TimeBudgetSeconds = _budget.TotalSeconds,
            Seed = options.Seed, TestFraction = options.TestFraction, Learners = options.ResolveLearners(), MaxTrials = options.MaxTrials,
            Folds = folds, Threads = _threads, DropColumns = options.DropColumns, TuneDecisionRule = options.TuneDecisionRule, PositiveClass = options.PositiveClass,
        };

        private List<Fold> BuildFolds(FeatureMatrix x, float[] y, int[]? classes, int foldCount)
        {
            var folds = new List<Fold>();
            int[] assignment;
            int k;
            if (foldCount >= 2)
            {
                k = Math.Min(foldCount, MinClassCount(classes, y.Length));
                k = Math.Max(2, k);
                assignment = DataSplits.StratifiedFolds(classes, y.Length, k, options.Seed);
            }
            else
            {
                // Holdout: 20% of the training rows validate.
                var (_, valid) = DataSplits.StratifiedSplit(classes, y.Length, 0.2, options.Seed + 1);
                assignment = new int[y.Length];
                Array.Fill(assignment, 1);
                foreach (var v in valid) assignment[v] = 0;
                k = 1;
            }
            using var all = DMatrix.FromDense(x.Values, x.Rows, x.Columns, _threads);
            all.SetLabels(y);
            for (var f = 0; f < k; f++)
            {
                var validRows = Enumerable.Range(0, y.Length).Where(i => assignment[i] == f).ToArray();
                var trainRows = Enumerable.Range(0, y.Length).Where(i => assignment[i] != f).ToArray();
                folds.Add(new Fold(all.Slice(trainRows), all.Slice(validRows), validRows));
            }
            return folds;
        }

        private static int MinClassCount(int[]? classes, int rows) =>
            classes is null ? rows : classes.GroupBy(c => c).Min(g => g.Count());

        private (TrialOutcome? Best, LeaderboardEntry? Entry) Search(List<Fold> folds, float[] y)
        {
            var learners = options.ResolveLearners()
                .Select((name, i) => new LearnerState(name, new LocalSearch(SearchSpaces.For(name), options.Seed * 31 + i, SearchSpaces.Portfolio(name))))
                .ToList();
            TrialOutcome? best = null;
            LeaderboardEntry? bestEntry = null;
            var deterministic = options.MaxTrials is not null;
            var trial = 0;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (options.MaxTrials is { } max && trial >= max) break;
                var reserve = best is null ? TimeSpan.Zero : RefitReserve(bestEntry!, folds.Count);
                var searchDeadline = best is null ? _budget * 0.6 : _budget * 0.97 - reserve;
                var learner = PickLearner(learners, best?.Loss ?? double.PositiveInfinity);
                if (learner is null) break;
                // Skip a learner whose typical trial would overrun the search deadline; stop when none fits.
                if (best is not null && _clock.Elapsed + TimeSpan.FromSeconds(TrialSecondsAverage(learner) * 0.5) > searchDeadline)
                {
                    learner.Exhausted = true;
                    if (learners.All(l => l.Exhausted)) break;
                    continue;
                }
                trial++;
                var point = learner.Search.Propose();
                var parameters = SearchSpaces.Parameters(learner.Name, learner.Search.Space, point, _task, _classes, _threads, options.Seed);
                var started = _clock.Elapsed;
                TrialOutcome outcome;
                try
                {
                    // A learner's first trial is never pruned, so every learner gets one honest estimate.
                    outcome = RunTrial(learner.Name, parameters, folds, y, searchDeadline, learner.Trials == 0 ? null : best);
                }
                catch (XgboostException e)
                {
                    outcome = new TrialOutcome(double.NaN, double.NaN, 0, null, new DecisionRule(), "failed: " + e.NativeMessage, [], 0, []);
                }
                var seconds = (_clock.Elapsed - started).TotalSeconds;
                var entry = new LeaderboardEntry(trial, learner.Name, parameters, outcome.Score, Math.Round(seconds, 3), outcome.Rounds, outcome.Status);
                _leaderboard.Add(entry);
                _trialSeconds[learner.Name] = _trialSeconds.GetValueOrDefault(learner.Name) + seconds;
                var cost = deterministic ? outcome.WorkUnits : seconds;
                learner.Trials++;
                learner.Cost += cost;
                learner.Search.Report(point, outcome.Status == "ok" ? outcome.Loss : double.NaN);
                if (outcome.Status == "ok" && double.IsNaN(learner.FirstLoss)) learner.FirstLoss = outcome.Loss;
                if (outcome.Status == "ok" && outcome.Loss < learner.BestLoss)
                {
                    learner.BestLoss = outcome.Loss;
                    learner.CostSinceImprovement = 0;
                    learner.CostToBest = learner.Cost;
                }
                else learner.CostSinceImprovement += cost;
                if (outcome.Status == "ok" && outcome.Predictions is not null) KeepCandidate(new Candidate(outcome, entry));
                var usable = outcome.Status == "ok" || (best is null && outcome.Predictions is not null && !double.IsNaN(outcome.Loss));
                if (usable && (best is null || outcome.Loss < best.Loss))
                {
                    best = outcome;
                    bestEntry = entry;
                }
                Report(trial, "search", bestEntry, best);
                if (_clock.Elapsed >= searchDeadline && best is not null) break;
            }
            return (best, bestEntry);
        }

        private readonly Dictionary<string, double> _trialSeconds = new(StringComparer.Ordinal);

        private double TrialSecondsAverage(LearnerState learner) => _trialSeconds.GetValueOrDefault(learner.Name) / Math.Max(1, learner.Trials);

        private TimeSpan RefitReserve(LeaderboardEntry best, int folds)
        {
            // Refit ≈ one fold's training on (k/(k-1)) times the rows, plus prediction on the test rows.
            var perFold = best.Seconds / Math.Max(1, folds);
            var scale = folds > 1 ? folds / (folds - 1.0) : 1.25;
            // The winner's refit with a margin; an ensemble only gets the members whose refits fit in what is left.
            var seconds = perFold * scale * 1.5 + 0.2;
            return TimeSpan.FromSeconds(Math.Min(seconds, _budget.TotalSeconds * 0.4));
        }

        /// <summary>
        /// Cost-aware choice (after FLAML's estimated cost for improvement): for the learner holding the best score, the
        /// time (or work) spent since its last improvement, at least one average trial; for the others, also the time
        /// they would need to close their gap to the best at the rate they have improved so far. The cheapest wins.
        /// Learners not tried yet go first, in the order listed.
        /// </summary>
        private static LearnerState? PickLearner(List<LearnerState> learners, double globalBest)
        {
            var fresh = learners.FirstOrDefault(l => l.Trials == 0 && !l.Exhausted);
            if (fresh is not null) return fresh;
            LearnerState? choice = null;
            var bestEci = double.PositiveInfinity;
            foreach (var l in learners)
            {
                if (l.Exhausted) continue;
                var average = l.Cost / Math.Max(1, l.Trials);
                var eci = Math.Max(l.CostSinceImprovement, average);
                if (!double.IsInfinity(globalBest) && l.BestLoss > globalBest)
                {
                    if (double.IsInfinity(l.BestLoss)) eci *= 100;
                    else
                    {
                        var gap = l.BestLoss - globalBest;
                        var gained = l.FirstLoss - l.BestLoss;
                        var toClose = gained > 0 && l.CostToBest > 0 ? gap / (gained / l.CostToBest) : eci * (1 + 20 * gap / Math.Max(Math.Abs(globalBest), 1e-6));
                        eci = Math.Max(eci * 2, toClose);
                    }
                }
                if (eci < bestEci) { bestEci = eci; choice = l; }
            }
            return choice;
        }

        private TrialOutcome RunTrial(string learner, Dictionary<string, string> parameters, List<Fold> folds, float[] y, TimeSpan deadline, TrialOutcome? best)
        {
            var width = Width;
            var predictions = new float[y.Length * width];
            var foldLosses = new List<double>();
            var rounds = new List<int>();
            double work = 0;
            var status = "ok";
            var forest = learner == LearnerNames.Forest;
            var eta = parameters.TryGetValue("eta", out var e) ? double.Parse(e, CultureInfo.InvariantCulture) : 0.3;
            var maxRounds = forest ? 1 : learner == LearnerNames.Linear ? 300 : Math.Clamp((int)Math.Ceiling(30 / eta), 50, 3000);
            var patience = learner == LearnerNames.Linear ? 15 : 30;
            var treesPerRound = parameters.TryGetValue("num_parallel_tree", out var t) ? int.Parse(t, CultureInfo.InvariantCulture) : 1;
            foreach (var fold in folds)
            {
                using var booster = Booster.Create(parameters, fold.Train, fold.Valid);
                var bestIteration = 0;
                var bestValue = double.PositiveInfinity;
                var trained = 0;
                for (var i = 0; i < maxRounds; i++)
                {
                    ct.ThrowIfCancellationRequested();
                    booster.UpdateOneIteration(i, fold.Train);
                    trained = i + 1;
                    if (!forest)
                    {
                        var value = ParseEval(booster.Evaluate(i, (fold.Valid, "valid")));
                        if (value < bestValue - 1e-12) { bestValue = value; bestIteration = i; }
                        else if (i - bestIteration >= patience) break;
                    }
                    if (_clock.Elapsed > deadline) { status = "stopped"; break; }
                }
                work += trained * treesPerRound * (fold.Train.Rows / 1000.0);
                var keep = forest ? 1 : bestIteration + 1;
                rounds.Add(keep);
                var p = booster.Predict(fold.Valid, iterationEnd: forest ? 0 : keep);
                for (var r = 0; r < fold.ValidRows.Length; r++)
                    Array.Copy(p, r * width, predictions, fold.ValidRows[r] * width, width);
                var foldTruth = fold.ValidRows.Select(i => y[i]).ToArray();
                foldLosses.Add(SearchLoss(foldTruth, p, Score(foldTruth, p, tune: false).Score));
                if (status != "ok") break;
                // Successive-halving style pruning: stop a trial whose folds so far are all clearly worse than the best's.
                if (best is not null && folds.Count > 1 && foldLosses.Count < folds.Count && best.FoldLosses.Length == folds.Count)
                {
                    var worse = true;
                    for (var k = 0; k < foldLosses.Count && worse; k++)
                        worse = foldLosses[k] > best.FoldLosses[k] + Spread(best.FoldLosses);
                    if (worse) { status = "pruned"; break; }
                }
            }
            var validRows = folds.Take(foldLosses.Count).SelectMany(f => f.ValidRows).Order().ToArray();
            if (validRows.Length == 0) return new TrialOutcome(double.NaN, double.NaN, 0, null, new DecisionRule(), status, [], work, []);
            var truth = validRows.Select(i => y[i]).ToArray();
            var gathered = Gather(predictions, validRows, width);
            var (score, rule) = Score(truth, gathered, tune: options.TuneDecisionRule);
            return new TrialOutcome(score, SearchLoss(truth, gathered, score), (int)Math.Round(rounds.Average()), predictions, rule, status, foldLosses.ToArray(), work, validRows)
            {
                FoldRounds = rounds.ToArray(),
            };
        }

        private sealed record Candidate(TrialOutcome Outcome, LeaderboardEntry Entry);

        private sealed record Ensemble(IReadOnlyList<(Candidate Candidate, double Weight)> Members, float[] Predictions, int[] ValidRows, DecisionRule Rule);

        private const int MaxCandidates = 12;
        private readonly List<Candidate> _candidates = [];

        private void KeepCandidate(Candidate candidate)
        {
            _candidates.Add(candidate);
            _candidates.Sort((a, b) => a.Outcome.Loss.CompareTo(b.Outcome.Loss));
            if (_candidates.Count > MaxCandidates) _candidates.RemoveAt(_candidates.Count - 1);
        }

        /// <summary>
        /// Greedy forward selection with replacement (Caruana et al.) over the kept trials' validation predictions,
        /// by log loss for classification (a smooth, proper score) and by the metric for regression. The ensemble is
        /// used when it has two or more distinct members, scores at least as well as the single winner on the run's
        /// metric, and its refit fits in the time left; otherwise the winner stands alone.
        /// </summary>
        private Ensemble SelectEnsemble(TrialOutcome best, LeaderboardEntry bestEntry, float[] y, int foldCount)
        {
            var single = new Ensemble([(new Candidate(best, bestEntry), 1.0)], Gather(best.Predictions!, best.ValidRows, Width), best.ValidRows, best.Rule);
            var pool = _candidates.Where(c => c.Outcome.ValidRows.SequenceEqual(best.ValidRows)).ToList();
            if (pool.Count < 2) return single;
            var width = Width;
            var rows = best.ValidRows;
            var truth = rows.Select(i => y[i]).ToArray();
            var predictions = pool.Select(c => Gather(c.Outcome.Predictions!, rows, width)).ToList();
            var sum = new double[truth.Length * width];
            var counts = new int[pool.Count];
            // With k-fold validation each member may become k bagged models (see BagFolds): keep their number servable.
            var maxMembers = foldCount >= MinBaggedFolds ? Math.Max(1, MaxBaggedModels / foldCount) : int.MaxValue;
            var chosen = 0;
            var currentLoss = double.PositiveInfinity;
            var trial = new float[sum.Length];
            for (var step = 0; step < 20; step++)
            {
                var pick = -1;
                var pickLoss = currentLoss;
                var distinct = counts.Count(n => n > 0);
                for (var c = 0; c < pool.Count; c++)
                {
                    if (counts[c] == 0 && distinct >= maxMembers) continue;
                    for (var i = 0; i < trial.Length; i++) trial[i] = (float)((sum[i] + predictions[c][i]) / (chosen + 1));
                    var loss = SelectionLoss(truth, trial);
                    if (loss < pickLoss - 1e-9) { pick = c; pickLoss = loss; }
                }
                if (pick < 0) break;
                for (var i = 0; i < sum.Length; i++) sum[i] += predictions[pick][i];
                counts[pick]++;
                chosen++;
                currentLoss = pickLoss;
            }
            var members = Enumerable.Range(0, pool.Count).Where(c => counts[c] > 0).Select(c => (pool[c], counts[c] / (double)chosen)).ToList();
            // Refit cost: each member trains once more on all training rows; keep the heaviest-weighted members that fit.
            var left = (_budget - _clock.Elapsed).TotalSeconds - 0.2;
            members = members.OrderByDescending(m => m.Item2).ToList();
            var affordable = new List<(Candidate, double)>();
            var spent = 0.0;
            foreach (var m in members)
            {
                var cost = m.Item1.Entry.Seconds / Math.Max(1, foldCount) * (foldCount > 1 ? foldCount / (foldCount - 1.0) : 1.25) * 1.2;
                if (affordable.Count > 0 && spent + cost > left) continue;
                affordable.Add(m);
                spent += cost;
            }
            if (affordable.Count < 2) return single;
            var total = affordable.Sum(m => m.Item2);
            var normalised = affordable.Select(m => (m.Item1, m.Item2 / total)).ToList();
            var average = new float[truth.Length * width];
            foreach (var (candidate, weight) in normalised)
            {
                var p = predictions[pool.IndexOf(candidate)];
                for (var i = 0; i < average.Length; i++) average[i] += (float)(weight * p[i]);
            }
            var (score, rule) = Score(truth, average, options.TuneDecisionRule);
            var bestScore = Score(truth, single.Predictions, options.TuneDecisionRule).Score;
            if (ToLoss(score) > ToLoss(bestScore)) return single;
            return new Ensemble(normalised, average, rows, rule);
        }

        private double SelectionLoss(float[] truth, float[] predictions)
        {
            if (_task != TaskKind.Regression) return Metrics.Classification("logloss", truth, predictions, _classes);
            var metric = _metric == "mae" ? "mae" : "rmse";
            return Metrics.Regression(metric, truth, predictions);
        }

        private static double Spread(double[] values)
        {
            var mean = values.Average();
            return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / Math.Max(1, values.Length - 1));
        }

        private (double Score, DecisionRule Rule) Score(float[] truth, float[] predictions, bool tune)
        {
            if (_task == TaskKind.Regression) return (Metrics.Regression(_metric, truth, predictions), new DecisionRule());
            if (tune && DecisionRuleTuner.Applies(_metric))
            {
                var (rule, score) = DecisionRuleTuner.Tune(_metric, truth, predictions, _classes);
                return (score, rule);
            }
            return (Metrics.Classification(_metric, truth, predictions, _classes), new DecisionRule());
        }

        private double ToLoss(double score) => Metrics.HigherIsBetter(_metric) ? -score : score;

        /// <summary>
        /// What the search minimises. For label-based metrics (f1, macro_f1, accuracy) it is the validation log loss:
        /// those metrics jump with a handful of rows, so choosing among hundreds of trials by them mostly picks noise,
        /// while the decision rule tuned afterwards turns good probabilities into the metric. Other metrics are used as they are.
        /// </summary>
        private double SearchLoss(float[] truth, float[] predictions, double score) =>
            _task != TaskKind.Regression && _metric is "f1" or "macro_f1" or "accuracy"
                ? Metrics.Classification("logloss", truth, predictions, _classes)
                : ToLoss(score);

        private Dictionary<string, double> AllMetrics(float[] truth, float[] predictions, DecisionRule rule)
        {
            var result = new Dictionary<string, double>(StringComparer.Ordinal);
            int[]? labels = null;
            if (_task != TaskKind.Regression)
            {
                var width = Width;
                labels = new int[truth.Length];
                for (var i = 0; i < truth.Length; i++) labels[i] = rule.Decide(predictions.AsSpan(i * width, width));
            }
            foreach (var m in Metrics.ReportedFor(_task, _metric))
            {
                var v = _task == TaskKind.Regression
                    ? Metrics.Regression(m, truth, predictions)
                    : Metrics.Classification(m, truth, predictions, _classes, labels);
                if (!double.IsNaN(v)) result[m] = Math.Round(v, 6);
            }
            return result;
        }

        private static float[] Gather(float[] predictions, int[] rows, int width)
        {
            var result = new float[rows.Length * width];
            for (var r = 0; r < rows.Length; r++) Array.Copy(predictions, rows[r] * width, result, r * width, width);
            return result;
        }

        private static double ParseEval(string line)
        {
            // "[12]\tvalid-logloss:0.2345"
            var colon = line.LastIndexOf(':');
            return colon >= 0 && double.TryParse(line.AsSpan(colon + 1).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.PositiveInfinity;
        }

        /// <summary>Each member's gain (weight for linear models) summed per original column, normalised, then averaged with the member weights.</summary>
        private static IReadOnlyList<FeatureImportance> Importance(List<Booster> boosters, List<EnsembleMember> members, FeaturePreparation preparation)
        {
            var byColumn = preparation.InputColumns.ToDictionary(c => c, _ => 0.0, StringComparer.Ordinal);
            for (var m = 0; m < boosters.Count; m++)
            {
                var scores = boosters[m].FeatureScores(members[m].Learner == LearnerNames.Linear ? "weight" : "total_gain");
                var own = preparation.InputColumns.ToDictionary(c => c, _ => 0.0, StringComparer.Ordinal);
                foreach (var (name, value) in scores)
                {
                    if (name.Length < 2 || name[0] != 'f' || !int.TryParse(name.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var index)) continue;
                    if (index < preparation.FeatureSources.Count) own[preparation.FeatureSources[index]] += value;
                }
                var sum = own.Values.Sum();
                if (sum <= 0) continue;
                foreach (var (column, value) in own) byColumn[column] += members[m].Weight * value / sum;
            }
            var total = byColumn.Values.Sum();
            return byColumn
                .Select(kv => new FeatureImportance(kv.Key, total > 0 ? Math.Round(kv.Value / total, 6) : 0))
                .OrderByDescending(f => f.Importance).ThenBy(f => f.Column, StringComparer.Ordinal)
                .ToList();
        }

        private void Report(int trial, string stage, LeaderboardEntry? bestEntry, TrialOutcome? best = null) =>
            progress?.Report(new TrainingProgress(trial, stage, bestEntry?.Learner, bestEntry?.Score ?? best?.Score, _metric, _clock.Elapsed,
                Remaining < TimeSpan.Zero ? TimeSpan.Zero : Remaining));

        private static string VersionText()
        {
            var (major, minor, patch) = Booster.NativeVersion();
            return $"{major}.{minor}.{patch}";
        }
    }
}
