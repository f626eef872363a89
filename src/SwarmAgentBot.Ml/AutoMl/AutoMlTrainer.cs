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

    private sealed record Fold(DMatrix Train, DMatrix Valid, int[] ValidRows) : IDisposable
    {
        public void Dispose()
        {
            Train.Dispose();
            Valid.Dispose();
        }
    }

    private sealed record TrialOutcome(double Score, double Loss, int Rounds, float[]? Predictions, DecisionRule Rule, string Status, double[] FoldLosses, double WorkUnits);

    private sealed class LearnerState(string name, LocalSearch search)
    {
        public string Name { get; } = name;
        public LocalSearch Search { get; } = search;
        public int Trials { get; set; }
        public double Cost { get; set; }
        public double CostSinceImprovement { get; set; }
        public double BestLoss { get; set; } = double.PositiveInfinity;
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
            var prepared = testRows.Length == 0 ? full : FeaturePreparation.Fit(trainTable, ToPreparationOptions(_task));
            var preparation = prepared.Preparation;
            var x = prepared.Features;
            var y = prepared.Labels;
            var trainClasses = _task == TaskKind.Regression ? null : y.Select(v => (int)v).ToArray();

            // 3. Validation scheme.
            var foldCount = options.Folds ?? (y.Length <= SmallDataRows ? 5 : 0);
            var folds = BuildFolds(x, y, trainClasses, foldCount);
            using var fullTrain = DMatrix.FromDense(x.Values, x.Rows, x.Columns, _threads);
            fullTrain.SetLabels(y);
            try
            {
                // 4. Search.
                var (best, bestEntry) = Search(folds, y);
                if (best is null || bestEntry is null)
                    throw new TrainingInputException($"The time budget of {_budget.TotalSeconds:0.#} s was too short to finish a single trial on {y.Length} rows; give more time.");

                // 5. Refit the winner on every training row.
                Report(_leaderboard.Count, "refit", bestEntry);
                var rounds = bestEntry.Learner == LearnerNames.Forest ? 1 : Math.Max(1, (int)Math.Round(best.Rounds * (folds.Count > 1 ? 1.1 : 1.15)));
                using var booster = Booster.Create(bestEntry.Parameters, fullTrain);
                var hardStop = _budget * 1.05;
                for (var i = 0; i < rounds; i++)
                {
                    ct.ThrowIfCancellationRequested();
                    booster.UpdateOneIteration(i, fullTrain);
                    if (_clock.Elapsed > hardStop) { rounds = i + 1; break; }
                }
                var modelJson = booster.SaveModel("json");

                // 6. Held-out test metrics.
                Report(_leaderboard.Count, "evaluate", bestEntry);
                var testMetrics = new Dictionary<string, double>();
                if (testRows.Length > 0)
                {
                    var testTable = keptTable.SelectRows(testRows);
                    var xt = preparation.Transform(testTable);
                    var yt = preparation.EncodeTarget(testTable);
                    using var testMatrix = DMatrix.FromDense(xt.Values, xt.Rows, xt.Columns, _threads);
                    testMetrics = AllMetrics(yt, booster.Predict(testMatrix), best.Rule);
                }
                var validIndices = folds.SelectMany(f => f.ValidRows).Order().ToArray();
                var validationMetrics = best.Predictions is null
                    ? new Dictionary<string, double>()
                    : AllMetrics(validIndices.Select(i => y[i]).ToArray(), Gather(best.Predictions, validIndices, Width), best.Rule);

                var bundle = new ModelBundle
                {
                    ModelId = "m-" + Guid.NewGuid().ToString("N")[..12],
                    CreatedAt = DateTimeOffset.UtcNow,
                    Task = _task,
                    Target = options.Target,
                    Metric = _metric,
                    Learner = bestEntry.Learner,
                    Parameters = bestEntry.Parameters,
                    Rounds = rounds,
                    ModelJson = modelJson,
                    Preparation = preparation,
                    DecisionRule = best.Rule,
                    TestMetrics = testMetrics,
                    ValidationMetrics = validationMetrics,
                    Leaderboard = _leaderboard.ToList(),
                    FeatureImportance = Importance(booster, bestEntry.Learner, preparation),
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
                foreach (var f in folds) f.Dispose();
            }
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
                .Select((name, i) => new LearnerState(name, new LocalSearch(SearchSpaces.For(name), options.Seed * 31 + i)))
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
                var learner = PickLearner(learners, best?.Loss ?? double.PositiveInfinity, deterministic);
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
                    outcome = RunTrial(learner.Name, parameters, folds, y, searchDeadline, best);
                }
                catch (XgboostException e)
                {
                    outcome = new TrialOutcome(double.NaN, double.NaN, 0, null, new DecisionRule(), "failed: " + e.NativeMessage, [], 0);
                }
                var seconds = (_clock.Elapsed - started).TotalSeconds;
                var entry = new LeaderboardEntry(trial, learner.Name, parameters, outcome.Score, Math.Round(seconds, 3), outcome.Rounds, outcome.Status);
                _leaderboard.Add(entry);
                _trialSeconds[learner.Name] = _trialSeconds.GetValueOrDefault(learner.Name) + seconds;
                var cost = deterministic ? outcome.WorkUnits : seconds;
                learner.Trials++;
                learner.Cost += cost;
                learner.Search.Report(point, outcome.Status == "ok" ? outcome.Loss : double.NaN);
                if (outcome.Status == "ok" && outcome.Loss < learner.BestLoss)
                {
                    learner.BestLoss = outcome.Loss;
                    learner.CostSinceImprovement = 0;
                }
                else learner.CostSinceImprovement += cost;
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
            var seconds = perFold * scale * 1.2 + 0.2;
            return TimeSpan.FromSeconds(Math.Min(seconds, _budget.TotalSeconds * 0.4));
        }

        /// <summary>
        /// Cost-aware choice: each learner's estimated cost for improvement is the time (or work) it has spent since its
        /// last improvement, at least one average trial, scaled up by how far its best is from the overall best.
        /// Learners not tried yet go first, cheapest-first order as listed.
        /// </summary>
        private static LearnerState? PickLearner(List<LearnerState> learners, double globalBest, bool deterministic)
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
                    var gap = double.IsInfinity(l.BestLoss) ? 10 : (l.BestLoss - globalBest) / Math.Max(Math.Abs(globalBest), 1e-6);
                    eci *= 1 + 20 * gap;
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
                var (foldScore, _) = Score(foldTruth, p, tune: false);
                foldLosses.Add(ToLoss(foldScore));
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
            if (validRows.Length == 0) return new TrialOutcome(double.NaN, double.NaN, 0, null, new DecisionRule(), status, [], work);
            var truth = validRows.Select(i => y[i]).ToArray();
            var (score, rule) = Score(truth, Gather(predictions, validRows, width), tune: options.TuneDecisionRule);
            return new TrialOutcome(score, ToLoss(score), (int)Math.Round(rounds.Average()), predictions, rule, status, foldLosses.ToArray(), work);
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

        private static IReadOnlyList<FeatureImportance> Importance(Booster booster, string learner, FeaturePreparation preparation)
        {
            var scores = booster.FeatureScores(learner == LearnerNames.Linear ? "weight" : "total_gain");
            var byColumn = preparation.InputColumns.ToDictionary(c => c, _ => 0.0, StringComparer.Ordinal);
            foreach (var (name, value) in scores)
            {
                if (name.Length < 2 || name[0] != 'f' || !int.TryParse(name.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var index)) continue;
                if (index < preparation.FeatureSources.Count) byColumn[preparation.FeatureSources[index]] += value;
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
