using System.Diagnostics;
using SwarmAgentBot.Agents.Supervisor.Routing;

namespace SwarmAgentBot.Bench;

/// <summary>
/// <c>./build.sh bench nlu --cv [--grid]</c>: leave-one-file-out cross-validation of the learned intent classifier. For each
/// labelled file, the classifier is trained on the other files and the held-out file is scored three ways: the rules alone,
/// the classifier alone (its honest generalisation: the rules were tuned on every file), and the combined router.
/// <c>--grid</c> also scores a range of blend thresholds, averaged over the folds, to choose <see cref="BlendThresholds.Default"/>.
/// A fresh blind file named on the command line (not yet a labelled file) is one more fold, scored by a classifier trained on
/// every labelled file: the only fold where the rules were not tuned, so the only one that shows what the classifier gains.
/// </summary>
internal static class NluCrossValidation
{
    public static async Task<int> RunAsync(string dir, IReadOnlyList<string> files, IReadOnlyList<string> extraFiles, bool grid, bool showChanges,
        CancellationToken cancellationToken)
    {
        var sets = files.Select(f => (File: f, Items: NluEvaluation.Load(Path.Combine(dir, f)))).ToList();
        var folds = new List<(string File, IReadOnlyList<LabelledUtterance> Items, IntentModel Model)>();
        foreach (var (file, items) in sets)
        {
            var training = sets.Where(s => s.File != file).SelectMany(s => IntentModel.ExamplesFrom(s.Items)).ToList();
            var sw = Stopwatch.StartNew();
            var model = IntentModel.Train(training);
            Console.WriteLine($"fold {file}: trained on {training.Count} lines in {sw.Elapsed.TotalMilliseconds:0} ms");
            folds.Add((file, items, model));
        }
        if (extraFiles.Count > 0)
        {
            var all = IntentModel.Train(sets.SelectMany(s => IntentModel.ExamplesFrom(s.Items)).ToList());
            foreach (var path in extraFiles) folds.Add((Path.GetFileName(path), NluEvaluation.Load(path), all));
        }
        Console.WriteLine();
        Console.WriteLine($"{"held-out file",-22} {"router",-11} {"intent acc",11} {"entity F1",10} {"OOS F1",7}");
        var totals = new Dictionary<string, (double Acc, double F1, double Oos)>();
        foreach (var (file, items, model) in folds)
        {
            foreach (var (name, router) in new (string, RulesRouter)[]
                     {
                         ("rules", new RulesRouter(null, BlendThresholds.Default)),
                         ("classifier", new RulesRouter(model, BlendThresholds.ClassifierAlone)),
                         ("combined", new RulesRouter(model, BlendThresholds.Default)),
                     })
            {
                var s = await NluEvaluation.EvaluateAsync(router, items, cancellationToken);
                Console.WriteLine($"{file,-22} {name,-11} {s.IntentAccuracy,11:0.000} {s.EntityF1,10:0.000} {s.OutOfScopeF1,7:0.000}");
                if (showChanges && name == "combined")
                    foreach (var miss in s.Misses.Where(x => x.ExpectedIntent != x.ActualIntent))
                        Console.WriteLine($"    want {miss.ExpectedIntent} got {miss.ActualIntent}: {miss.Text}");
                var t = totals.GetValueOrDefault(name);
                totals[name] = (t.Acc + s.IntentAccuracy / folds.Count, t.F1 + s.EntityF1 / folds.Count, t.Oos + s.OutOfScopeF1 / folds.Count);
            }
        }
        foreach (var (name, t) in totals) Console.WriteLine($"{"mean of folds",-22} {name,-11} {t.Acc,11:0.000} {t.F1,10:0.000} {t.Oos,7:0.000}");

        var disagreements = new NluDisagreements();
        foreach (var (_, items, model) in folds)
            await disagreements.AddAsync(items, new RulesRouter(null, BlendThresholds.Default), new RulesRouter(model, BlendThresholds.ClassifierAlone), cancellationToken);
        disagreements.Print("pooled over the folds; the rules were tuned on these lines");

        // How far the classifier's probability can be trusted on lines it never saw (pooled over the folds): the blend
        // thresholds should sit where its precision beats the rules' accuracy on unseen text.
        var guesses = folds.SelectMany(f => IntentModel.ExamplesFrom(f.Items).Select(e => (Guess: f.Model.Predict(e.Text), e.Intent))).ToList();
        Console.WriteLine();
        Console.WriteLine($"{"classifier p ≥",15} {"lines",6} {"precision",10} {"as OOS: lines",14} {"precision",10} {"as request: lines",18} {"precision",10}");
        foreach (var p in new[] { 0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95 })
        {
            var kept = guesses.Where(g => g.Guess.Probability >= p).ToList();
            var oos = kept.Where(g => g.Guess.Intent == Intents.OutOfScope).ToList();
            var request = kept.Where(g => g.Guess.Intent != Intents.OutOfScope).ToList();
            static double Precision(List<(IntentGuess Guess, string Intent)> l) => l.Count == 0 ? 1 : (double)l.Count(g => g.Guess.Intent == g.Intent) / l.Count;
            Console.WriteLine($"{p,15:0.00} {kept.Count,6} {Precision(kept),10:0.000} {oos.Count,14} {Precision(oos),10:0.000} {request.Count,18} {Precision(request),10:0.000}");
        }
        if (!grid) return 0;

        // One knob at a time (the others off), then combinations around the default: the folds say how often each kind of
        // override helps or hurts on text the classifier did not see (and, on a fresh blind fold, text the rules did not see).
        const double Off = 2;
        var none = new BlendThresholds(Off, Off, Off, 0.7, Off);
        var candidates = new List<BlendThresholds> { none };
        foreach (var p in new[] { 0.5, 0.6, 0.7, 0.8, 0.9 }) candidates.Add(none with { RescueProbability = p });
        foreach (var weak in new[] { 0.6, 0.7, 0.8 })
        {
            foreach (var p in new[] { 0.6, 0.7, 0.8, 0.9 }) candidates.Add(none with { WeakRuleConfidence = weak, VetoProbability = p });
            foreach (var p in new[] { 0.5, 0.6, 0.7, 0.8, 0.9 }) candidates.Add(none with { WeakRuleConfidence = weak, SwitchProbability = p });
        }
        foreach (var p in new[] { 0.6, 0.7, 0.8, 0.9, 0.95 }) candidates.Add(none with { OverruleProbability = p });
        foreach (var p in new[] { 0.7, 0.8, 0.9, 0.95 }) candidates.Add(none with { StrongVetoProbability = p });
        foreach (var p in new[] { 0.6, 0.7, 0.8, 0.9, 0.95 }) candidates.Add(none with { StandDownProbability = p });
        foreach (var p in new[] { 0.6, 0.7, 0.8, 0.9 }) candidates.Add(none with { QuestionProbability = p });
        // Every kind of change at once, from eager to cautious.
        foreach (var p in new[] { 0.5, 0.6, 0.7, 0.8 })
            candidates.Add(new BlendThresholds(p, p, p, 0.7, p + 0.1, StrongVetoProbability: p + 0.1, StandDownProbability: p + 0.1, QuestionProbability: p + 0.2));
        // Around the default: each bar a step lower, one at a time.
        var d = BlendThresholds.Default;
        candidates.Add(d with { RescueProbability = 0.4 });
        candidates.Add(d with { VetoProbability = 0.5 });
        candidates.Add(d with { OverruleProbability = 0.5 });
        candidates.Add(d with { StrongVetoProbability = 0.5 });
        candidates.Add(d with { StandDownProbability = 0.5 });
        candidates.Add(d with { QuestionProbability = 0.5 });
        candidates.Add(d with { ConversationRescueProbability = 2 });
        candidates.Add(d with { ConversationRescueProbability = 0.1 });
        candidates.Add(BlendThresholds.Default);
        Console.WriteLine();
        var foldNames = string.Join(" ", folds.Select(f => $"{Path.GetFileNameWithoutExtension(f.File).Replace("nlu-", ""),9}"));
        Console.WriteLine($"{"rescue",7} {"veto",5} {"switch",7} {"weak",5} {"overrule",9} {"sveto",6} {"stand",6} {"quest",6} {"mean acc",9} {"mean OOS",9} {"changed",8} {"right",6}  {foldNames}");
        var rules = new RulesRouter(null, BlendThresholds.Default);
        foreach (var t in candidates)
        {
            double mean = 0, oos = 0;
            int changed = 0, right = 0;
            var perFold = new List<double>();
            foreach (var (_, items, model) in folds)
            {
                var router = new RulesRouter(model, t);
                var s = await NluEvaluation.EvaluateAsync(router, items, cancellationToken);
                mean += s.IntentAccuracy / folds.Count;
                perFold.Add(s.IntentAccuracy);
                oos += s.OutOfScopeF1 / folds.Count;
                foreach (var item in items)
                {
                    var context = await NluEvaluation.ContextForAsync(rules, item, cancellationToken);
                    var a = rules.Route(item.Text, context).Intent;
                    var routed = router.Route(item.Text, context);
                    var b = routed.Intent;
                    if (a == b) continue;
                    changed++;
                    if (b == item.Expected["intent"]?.ToString()) right++;
                    if (showChanges) Console.WriteLine($"    {a} -> {b} (want {item.Expected["intent"]}) [{routed.Reason}{(item.Context.Count > 0 ? ", in a conversation" : "")}]: {item.Text}");
                }
            }
            static string Show(double v) => v > 1 ? "off" : v.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);
            Console.WriteLine($"{Show(t.RescueProbability),7} {Show(t.VetoProbability),5} {Show(t.SwitchProbability),7} {t.WeakRuleConfidence,5:0.00} {Show(t.OverruleProbability),9} {Show(t.StrongVetoProbability),6} {Show(t.StandDownProbability),6} {Show(t.QuestionProbability),6} {mean,9:0.000} {oos,9:0.000} {changed,8} {right,6}  {string.Join(" ", perFold.Select(a => $"{a,9:0.000}"))}");
        }
        return 0;
    }
}
