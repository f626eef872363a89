using System.Globalization;

namespace SwarmAgentBot.Ml.AutoMl;

/// <summary>One tunable hyperparameter; the search moves in [0, 1] and maps to the range (log-scaled where it spans orders of magnitude).</summary>
internal sealed record Hyperparameter(string Name, double Low, double High, double Init, bool Log = false, bool Integer = false)
{
    public double ToValue(double z)
    {
        z = Math.Clamp(z, 0, 1);
        var v = Log ? Math.Exp(Math.Log(Low) + z * (Math.Log(High) - Math.Log(Low))) : Low + z * (High - Low);
        return Integer ? Math.Round(v) : v;
    }

    public double ToUnit(double value)
    {
        var z = Log ? (Math.Log(value) - Math.Log(Low)) / (Math.Log(High) - Math.Log(Low)) : (value - Low) / (High - Low);
        return Math.Clamp(z, 0, 1);
    }
}

/// <summary>
/// Search spaces per learner. Each starts from a low-cost configuration (few leaves, few trees) as FLAML's
/// cost-frugal search does, so cheap trials come first and the search only pays for bigger models when they help.
/// </summary>
internal static class SearchSpaces
{
    public static IReadOnlyList<Hyperparameter> For(string learner) => learner switch
    {
        LearnerNames.Tree =>
        [
            new("max_leaves", 4, 512, 4, Log: true, Integer: true),
            new("min_child_weight", 0.01, 64, 1, Log: true),
            // XGBoost's default step: with early stopping, a large step converges in few rounds, so the first trial is cheap.
            new("eta", 0.01, 1.0, 0.3, Log: true),
            new("subsample", 0.5, 1.0, 1.0),
            new("colsample_bytree", 0.3, 1.0, 1.0),
            new("colsample_bylevel", 0.3, 1.0, 1.0),
            new("alpha", 1.0 / 1024, 64, 1.0 / 1024, Log: true),
            new("lambda", 1.0 / 1024, 256, 1.0, Log: true),
        ],
        LearnerNames.Forest =>
        [
            new("num_parallel_tree", 8, 512, 16, Log: true, Integer: true),
            new("max_leaves", 16, 4096, 64, Log: true, Integer: true),
            new("min_child_weight", 0.01, 32, 1, Log: true),
            new("subsample", 0.4, 0.95, 0.8),
            new("colsample_bynode", 0.1, 1.0, 0.5),
        ],
        LearnerNames.Linear =>
        [
            new("eta", 0.05, 1.0, 0.5, Log: true),
            new("alpha", 1e-5, 10, 1e-4, Log: true),
            new("lambda", 1e-5, 10, 1e-4, Log: true),
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(learner), learner, "Unknown learner."),
    };

    /// <summary>
    /// A few configurations known to work well on typical tables, tried right after the low-cost start so the local
    /// search has a good incumbent early (values by parameter name; the rest stay at their start values).
    /// </summary>
    public static IReadOnlyList<Dictionary<string, double>> Portfolio(string learner) => learner switch
    {
        LearnerNames.Tree =>
        [
            new() { ["max_leaves"] = 32, ["eta"] = 0.05, ["subsample"] = 0.8, ["colsample_bytree"] = 0.8 },
            new() { ["max_leaves"] = 8, ["min_child_weight"] = 2, ["eta"] = 0.05, ["subsample"] = 0.9, ["colsample_bytree"] = 0.6, ["lambda"] = 4 },
        ],
        LearnerNames.Forest =>
        [
            new() { ["num_parallel_tree"] = 100, ["max_leaves"] = 256, ["min_child_weight"] = 0.5, ["subsample"] = 0.63, ["colsample_bynode"] = 0.5 },
        ],
        _ => [],
    };

    /// <summary>The full XGBoost parameter set for a point of a learner's space.</summary>
    public static Dictionary<string, string> Parameters(string learner, IReadOnlyList<Hyperparameter> space, double[] unit, TaskKind task, int classes, int threads, int seed)
    {
        var p = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (task)
        {
            case TaskKind.BinaryClassification:
                p["objective"] = "binary:logistic";
                p["eval_metric"] = "logloss";
                break;
            case TaskKind.MulticlassClassification:
                p["objective"] = "multi:softprob";
                p["num_class"] = classes.ToString(CultureInfo.InvariantCulture);
                p["eval_metric"] = "mlogloss";
                break;
            default:
                p["objective"] = "reg:squarederror";
                p["eval_metric"] = "rmse";
                break;
        }
        p["nthread"] = threads.ToString(CultureInfo.InvariantCulture);
        p["seed"] = seed.ToString(CultureInfo.InvariantCulture);
        p["verbosity"] = "0";
        switch (learner)
        {
            case LearnerNames.Tree or LearnerNames.Forest:
                p["booster"] = "gbtree";
                p["tree_method"] = "hist";
                p["grow_policy"] = "lossguide";
                p["max_depth"] = "0";
                p["max_bin"] = "256";
                if (learner == LearnerNames.Forest)
                {
                    // One round of many trees: no shrinkage, next to no regularisation (random-forest mode).
                    p["eta"] = "1";
                    p["lambda"] = "0.00001";
                }
                break;
            case LearnerNames.Linear:
                p["booster"] = "gblinear";
                // coord_descent is deterministic; the default shotgun updater is not.
                p["updater"] = "coord_descent";
                p["feature_selector"] = "cyclic";
                break;
        }
        for (var i = 0; i < space.Count; i++)
        {
            var v = space[i].ToValue(unit[i]);
            p[space[i].Name] = space[i].Integer ? ((long)v).ToString(CultureInfo.InvariantCulture) : v.ToString("G6", CultureInfo.InvariantCulture);
        }
        return p;
    }
}

/// <summary>
/// Randomised direct local search over one learner's space (the FLOW2 idea behind FLAML's CFO): from the incumbent,
/// try a step along a random unit direction, then the opposite one; move on improvement, shrink the step after a run of
/// failures, and restart from a random point when the step gets too small. Deterministic for a given seed and history.
/// </summary>
internal sealed class LocalSearch
{
    private readonly IReadOnlyList<Hyperparameter> _space;
    private readonly Random _random;
    private readonly double _initialStep;
    private readonly double _minimumStep;
    private double[] _incumbent;
    private double _incumbentLoss = double.PositiveInfinity;
    private double _step;
    private double[]? _direction;
    private bool _triedOpposite;
    private int _failures;
    private bool _started;

    private readonly Queue<double[]> _portfolio = new();
    private bool _fromPortfolio;

    public LocalSearch(IReadOnlyList<Hyperparameter> space, int seed, IReadOnlyList<Dictionary<string, double>>? portfolio = null)
    {
        _space = space;
        _random = new Random(seed);
        _incumbent = space.Select(h => h.ToUnit(h.Init)).ToArray();
        foreach (var point in portfolio ?? [])
            _portfolio.Enqueue(space.Select(h => h.ToUnit(point.TryGetValue(h.Name, out var v) ? v : h.Init)).ToArray());
        _initialStep = 0.1 * Math.Sqrt(space.Count);
        _minimumStep = 0.01;
        _step = _initialStep;
    }

    public IReadOnlyList<Hyperparameter> Space => _space;

    /// <summary>Best loss this learner reached since its last restart.</summary>
    public double IncumbentLoss => _incumbentLoss;

    /// <summary>Next point to try.</summary>
    public double[] Propose()
    {
        _fromPortfolio = false;
        if (!_started) return (double[])_incumbent.Clone();
        if (_portfolio.Count > 0)
        {
            _fromPortfolio = true;
            return _portfolio.Dequeue();
        }
        if (_direction is not null && !_triedOpposite)
        {
            _triedOpposite = true;
            return Move(_incumbent, _direction, -_step);
        }
        _direction = RandomDirection();
        _triedOpposite = false;
        return Move(_incumbent, _direction, _step);
    }

    /// <summary>Reports the loss of a proposed point (lower is better; NaN = failed).</summary>
    public void Report(double[] point, double loss)
    {
        if (!_started)
        {
            _started = true;
            _incumbentLoss = double.IsNaN(loss) ? double.PositiveInfinity : loss;
            return;
        }
        if (_fromPortfolio)
        {
            // A portfolio point only replaces the incumbent when better; it says nothing about the step size.
            if (!double.IsNaN(loss) && loss < _incumbentLoss) { _incumbent = point; _incumbentLoss = loss; }
            return;
        }
        if (!double.IsNaN(loss) && loss < _incumbentLoss)
        {
            _incumbent = point;
            _incumbentLoss = loss;
            _direction = null;
            _failures = 0;
            return;
        }
        if (_direction is not null && !_triedOpposite) return; // the opposite direction comes next
        _direction = null;
        _failures++;
        if (_failures >= Math.Max(3, _space.Count))
        {
            _failures = 0;
            _step *= 0.5;
            if (_step < _minimumStep) Restart();
        }
    }

    private void Restart()
    {
        // A fresh random start, biased towards the cheap half of the space so restarts stay affordable.
        _incumbent = _space.Select(_ => _random.NextDouble() * 0.7).ToArray();
        _incumbentLoss = double.PositiveInfinity;
        _step = _initialStep;
        _started = false;
    }

    private double[] RandomDirection()
    {
        var d = new double[_space.Count];
        double norm = 0;
        for (var i = 0; i < d.Length; i++)
        {
            // Box-Muller: a normal vector gives a uniform direction.
            var u1 = 1.0 - _random.NextDouble();
            var u2 = _random.NextDouble();
            d[i] = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            norm += d[i] * d[i];
        }
        norm = Math.Sqrt(norm);
        for (var i = 0; i < d.Length; i++) d[i] /= norm;
        return d;
    }

    private static double[] Move(double[] from, double[] direction, double step)
    {
        var x = new double[from.Length];
        for (var i = 0; i < x.Length; i++) x[i] = Math.Clamp(from[i] + step * direction[i], 0, 1);
        return x;
    }
}
