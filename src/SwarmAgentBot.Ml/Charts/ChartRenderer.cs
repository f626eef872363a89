using System.Globalization;

namespace SwarmAgentBot.Ml.Charts;

/// <summary>Histogram bins: <c>Edges.Length == Counts.Length + 1</c>, bin i is [Edges[i], Edges[i+1]).</summary>
/// <param name="Edges">Bin edges, ascending.</param>
/// <param name="Counts">Values per bin (the last bin includes its upper edge).</param>
public sealed record HistogramBins(double[] Edges, long[] Counts)
{
    /// <summary>Bins of a round width ("nice" numbers) covering every finite value; about <paramref name="bins"/> of them.</summary>
    public static HistogramBins FromValues(IReadOnlyList<double> values, int bins = 20)
    {
        var finite = values.Where(double.IsFinite).ToList();
        if (finite.Count == 0) throw new ArgumentException("There are no numeric values to bin.", nameof(values));
        var min = finite.Min();
        var max = finite.Max();
        var edges = NiceEdges(min, max, bins);
        var counts = new long[edges.Length - 1];
        var width = edges[1] - edges[0];
        foreach (var v in finite)
        {
            var i = (int)Math.Floor((v - edges[0]) / width);
            counts[Math.Clamp(i, 0, counts.Length - 1)]++;
        }
        return new HistogramBins(edges, counts);
    }

    /// <summary>Edges of a round width covering [min, max] with about <paramref name="bins"/> bins.</summary>
    public static double[] NiceEdges(double min, double max, int bins)
    {
        if (max <= min) return [min - 0.5, min + 0.5];
        var step = Axis.NiceStep((max - min) / Math.Max(1, bins));
        var start = Math.Floor(min / step) * step;
        var n = (int)Math.Floor((max - start) / step) + 1;
        return Enumerable.Range(0, n + 1).Select(i => start + i * step).ToArray();
    }
}

/// <summary>One line of a line chart.</summary>
/// <param name="Name">Legend text.</param>
/// <param name="Values">One value per x position (NaN leaves a gap).</param>
public sealed record LineSeries(string Name, IReadOnlyList<double> Values);

/// <summary>Round tick positions for an axis.</summary>
internal static class Axis
{
    public static double NiceStep(double rough)
    {
        if (rough <= 0 || !double.IsFinite(rough)) return 1;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var f = rough / magnitude;
        var nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    /// <summary>A range that starts and ends on ticks and contains [min, max].</summary>
    public static (double Min, double Max, double Step) Nice(double min, double max, int ticks = 5)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) return (0, 1, 0.2);
        if (max - min < 1e-12) { var pad = Math.Abs(min) > 1e-12 ? Math.Abs(min) * 0.1 : 1; min -= pad; max += pad; }
        var step = NiceStep((max - min) / ticks);
        return (Math.Floor(min / step) * step, Math.Ceiling(max / step) * step, step);
    }

    public static string Format(double v, double step)
    {
        if (Math.Abs(v) < step * 1e-9) return "0";
        var abs = Math.Abs(v);
        if (abs >= 1e9) return (v / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + "G";
        if (abs >= 1e6) return (v / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M";
        if (abs >= 1e4) return (v / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "k";
        var decimals = step >= 1 ? 0 : Math.Min(6, (int)Math.Ceiling(-Math.Log10(step) - 1e-9));
        return v.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// Renders the charts the agents post: histogram, bar (categories), horizontal bar (feature
/// importance), scatter, a two-series overlay (reference vs current) and a line chart (over time).
/// Each returns a <see cref="Canvas"/>; call <see cref="Canvas.ToPng"/> to store or serve it.
/// </summary>
public static class ChartRenderer
{
    /// <summary>Default chart width in pixels.</summary>
    public const int Width = 640;

    /// <summary>Default chart height in pixels.</summary>
    public const int Height = 400;

    /// <summary>Background.</summary>
    public static readonly Rgba Background = Rgba.White;

    /// <summary>First series colour (blue).</summary>
    public static readonly Rgba Primary = Rgba.Hex("#4C78A8");

    /// <summary>Second series colour (orange).</summary>
    public static readonly Rgba Secondary = Rgba.Hex("#F58518");

    /// <summary>Threshold / alert colour (red).</summary>
    public static readonly Rgba Alert = Rgba.Hex("#E45756");

    private static readonly Rgba[] Palette = [Primary, Secondary, Rgba.Hex("#54A24B"), Rgba.Hex("#B279A2"), Rgba.Hex("#72B7B2"), Rgba.Hex("#9D755D")];
    private static readonly Rgba Ink = Rgba.Hex("#333333");
    private static readonly Rgba AxisColor = Rgba.Hex("#666666");
    private static readonly Rgba Grid = Rgba.Hex("#E6E6E6");

    /// <summary>A histogram of numeric values.</summary>
    public static Canvas Histogram(string title, string xLabel, IReadOnlyList<double> values, int bins = 20) =>
        Histogram(title, xLabel, HistogramBins.FromValues(values, bins));

    /// <summary>A histogram of precomputed bins.</summary>
    public static Canvas Histogram(string title, string xLabel, HistogramBins bins)
    {
        var frame = new Frame(title, 56, 48);
        var x = Axis.Nice(bins.Edges[0], bins.Edges[^1]);
        var y = Axis.Nice(0, Math.Max(1, bins.Counts.Max()));
        frame.YAxis(y, "count");
        frame.XAxis(x, xLabel);
        for (var i = 0; i < bins.Counts.Length; i++)
        {
            var left = frame.X(bins.Edges[i], x);
            var right = frame.X(bins.Edges[i + 1], x);
            var top = frame.Y(bins.Counts[i], y);
            frame.Canvas.FillRect(left + 1, top, Math.Max(1, right - left - 1), frame.Bottom - top, Primary);
        }
        return frame.Finish();
    }

    /// <summary>Vertical bars, one per category, in the order given.</summary>
    public static Canvas Bar(string title, string yLabel, IReadOnlyList<KeyValuePair<string, double>> bars)
    {
        if (bars.Count == 0) throw new ArgumentException("A bar chart needs at least one bar.", nameof(bars));
        var labels = bars.Select(b => Clip(b.Key, 14)).ToList();
        var slot = (Width - 56 - 16) / bars.Count;
        var rotate = labels.Any(l => BitmapFont.Measure(l) > slot - 4);
        var bottomMargin = rotate ? labels.Max(l => BitmapFont.Measure(l)) + 16 : 32;
        var frame = new Frame(title, 56, bottomMargin);
        var y = Axis.Nice(Math.Min(0, bars.Min(b => b.Value)), Math.Max(0, bars.Max(b => b.Value)));
        frame.YAxis(y, yLabel);
        slot = frame.PlotWidth / bars.Count;
        var zero = frame.Y(0, y);
        for (var i = 0; i < bars.Count; i++)
        {
            var left = frame.Left + i * slot + Math.Max(1, slot / 8);
            var width = Math.Max(1, slot - 2 * Math.Max(1, slot / 8));
            var top = frame.Y(bars[i].Value, y);
            frame.Canvas.FillRect(left, Math.Min(top, zero), width, Math.Max(1, Math.Abs(zero - top)), Palette[0]);
            var center = frame.Left + i * slot + slot / 2;
            if (rotate) frame.Canvas.DrawTextUp(labels[i], center - BitmapFont.GlyphHeight / 2, frame.Bottom + 6 + BitmapFont.Measure(labels[i]), Ink);
            else frame.Canvas.DrawText(labels[i], center - BitmapFont.Measure(labels[i]) / 2, frame.Bottom + 6, Ink);
        }
        return frame.Finish();
    }

    /// <summary>Horizontal bars, largest first, labels on the left (feature importance).</summary>
    public static Canvas HorizontalBar(string title, string xLabel, IReadOnlyList<KeyValuePair<string, double>> bars)
    {
        if (bars.Count == 0) throw new ArgumentException("A bar chart needs at least one bar.", nameof(bars));
        var ordered = bars.OrderByDescending(b => b.Value).Take(25).ToList();
        var labels = ordered.Select(b => Clip(b.Key, 20)).ToList();
        var frame = new Frame(title, labels.Max(l => BitmapFont.Measure(l)) + 14, 48);
        var x = Axis.Nice(Math.Min(0, ordered.Min(b => b.Value)), Math.Max(0, ordered.Max(b => b.Value)));
        frame.XAxis(x, xLabel);
        var slot = frame.PlotHeight / ordered.Count;
        var zero = frame.X(0, x);
        for (var i = 0; i < ordered.Count; i++)
        {
            var top = frame.Top + i * slot + Math.Max(1, slot / 6);
            var height = Math.Max(1, slot - 2 * Math.Max(1, slot / 6));
            var end = frame.X(ordered[i].Value, x);
            frame.Canvas.FillRect(Math.Min(zero, end), top, Math.Max(1, Math.Abs(end - zero)), height, Palette[0]);
            var center = frame.Top + i * slot + slot / 2;
            frame.Canvas.DrawText(labels[i], frame.Left - 8 - BitmapFont.Measure(labels[i]), center - BitmapFont.GlyphHeight / 2, Ink);
        }
        return frame.Finish();
    }

    /// <summary>A scatter plot of paired values (pairs with a non-finite side are left out).</summary>
    public static Canvas Scatter(string title, string xLabel, string yLabel, IReadOnlyList<double> xs, IReadOnlyList<double> ys)
    {
        if (xs.Count != ys.Count) throw new ArgumentException("x and y need the same number of values.", nameof(ys));
        var points = xs.Zip(ys).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second)).ToList();
        if (points.Count == 0) throw new ArgumentException("There are no numeric pairs to plot.", nameof(xs));
        var frame = new Frame(title, 56, 48);
        var x = Axis.Nice(points.Min(p => p.First), points.Max(p => p.First));
        var y = Axis.Nice(points.Min(p => p.Second), points.Max(p => p.Second));
        frame.YAxis(y, yLabel);
        frame.XAxis(x, xLabel);
        var dot = Primary.WithAlpha(points.Count > 2000 ? (byte)90 : (byte)170);
        foreach (var (px, py) in points) frame.Canvas.FillCircle(frame.X(px, x), frame.Y(py, y), 2, dot);
        return frame.Finish();
    }

    /// <summary>Two distributions over the same bins side by side (reference vs current, for drift).</summary>
    public static Canvas Overlay(string title, string xLabel, IReadOnlyList<string> bins, IReadOnlyList<double> reference, IReadOnlyList<double> current,
        string referenceName = "reference", string currentName = "current")
    {
        if (bins.Count == 0 || reference.Count != bins.Count || current.Count != bins.Count)
            throw new ArgumentException("Overlay needs one reference and one current value per bin.", nameof(bins));
        var labels = bins.Select(b => Clip(b, 12)).ToList();
        var frame = new Frame(title, 56, 32 + 12);
        var y = Axis.Nice(0, Math.Max(1e-9, Math.Max(reference.Max(), current.Max())));
        frame.YAxis(y, "share");
        var slot = frame.PlotWidth / bins.Count;
        var showEvery = Math.Max(1, (int)Math.Ceiling(labels.Max(l => BitmapFont.Measure(l) + 6) / (double)Math.Max(1, slot)));
        for (var i = 0; i < bins.Count; i++)
        {
            var pad = Math.Max(1, slot / 10);
            var half = Math.Max(1, (slot - 2 * pad) / 2);
            var left = frame.Left + i * slot + pad;
            var refTop = frame.Y(reference[i], y);
            var curTop = frame.Y(current[i], y);
            frame.Canvas.FillRect(left, refTop, half, frame.Bottom - refTop, Primary);
            frame.Canvas.FillRect(left + half, curTop, half, frame.Bottom - curTop, Secondary);
            if (i % showEvery == 0)
                frame.Canvas.DrawText(labels[i], frame.Left + i * slot + slot / 2 - BitmapFont.Measure(labels[i]) / 2, frame.Bottom + 6, Ink);
        }
        frame.Canvas.DrawText(Clip(xLabel, 60), frame.Left + frame.PlotWidth / 2 - BitmapFont.Measure(Clip(xLabel, 60)) / 2, frame.Bottom + 22, Ink);
        frame.Legend([(referenceName, Primary), (currentName, Secondary)]);
        return frame.Finish();
    }

    /// <summary>Two samples of a numeric feature binned on shared edges and shown as shares (reference vs current).</summary>
    public static Canvas Overlay(string title, string xLabel, IReadOnlyList<double> reference, IReadOnlyList<double> current, int bins = 12)
    {
        var all = reference.Concat(current).Where(double.IsFinite).ToList();
        if (all.Count == 0) throw new ArgumentException("There are no numeric values to compare.", nameof(reference));
        var edges = HistogramBins.NiceEdges(all.Min(), all.Max(), bins);
        var step = edges[1] - edges[0];
        var labels = edges.Take(edges.Length - 1).Select(e => Axis.Format(e, step)).ToList();
        return Overlay(title, xLabel, labels, Shares(reference, edges), Shares(current, edges));
    }

    private static double[] Shares(IReadOnlyList<double> values, double[] edges)
    {
        var counts = new double[edges.Length - 1];
        var n = 0;
        foreach (var v in values)
        {
            if (!double.IsFinite(v)) continue;
            var i = (int)Math.Floor((v - edges[0]) / (edges[1] - edges[0]));
            counts[Math.Clamp(i, 0, counts.Length - 1)]++;
            n++;
        }
        return counts.Select(c => n == 0 ? 0 : c / n).ToArray();
    }

    /// <summary>Lines over evenly spaced x positions (e.g. drift per day), with an optional dashed threshold.</summary>
    public static Canvas Line(string title, string yLabel, IReadOnlyList<string> xLabels, IReadOnlyList<LineSeries> series, double? threshold = null)
    {
        if (xLabels.Count == 0 || series.Count == 0 || series.Any(s => s.Values.Count != xLabels.Count))
            throw new ArgumentException("A line chart needs at least one series with one value per x label.", nameof(series));
        var finite = series.SelectMany(s => s.Values).Where(double.IsFinite).ToList();
        if (threshold is { } t) finite.Add(t);
        if (finite.Count == 0) throw new ArgumentException("There are no numeric values to plot.", nameof(series));
        var frame = new Frame(title, 56, 36);
        var y = Axis.Nice(Math.Min(0, finite.Min()), finite.Max());
        frame.YAxis(y, yLabel);
        var n = xLabels.Count;
        int Px(int i) => n == 1 ? frame.Left + frame.PlotWidth / 2 : frame.Left + (int)Math.Round(i * (frame.PlotWidth - 1) / (double)(n - 1));
        var labels = xLabels.Select(l => Clip(l, 10)).ToList();
        var showEvery = Math.Max(1, (int)Math.Ceiling((labels.Max(l => BitmapFont.Measure(l)) + 8) / Math.Max(1.0, frame.PlotWidth / (double)n)));
        for (var i = 0; i < n; i += showEvery)
        {
            frame.Canvas.DrawLine(Px(i), frame.Bottom, Px(i), frame.Bottom + 3, AxisColor);
            frame.Canvas.DrawText(labels[i], Math.Clamp(Px(i) - BitmapFont.Measure(labels[i]) / 2, 0, Width - BitmapFont.Measure(labels[i])), frame.Bottom + 8, Ink);
        }
        if (threshold is { } limit)
        {
            var ty = frame.Y(limit, y);
            frame.Canvas.DrawLine(frame.Left, ty, frame.Right, ty, Alert, 1, 6);
            var text = "threshold " + Axis.Format(limit, y.Step / 10);
            frame.Canvas.DrawText(text, frame.Right - BitmapFont.Measure(text) - 2, ty - BitmapFont.GlyphHeight - 2, Alert);
        }
        for (var s = 0; s < series.Count; s++)
        {
            var color = Palette[s % Palette.Length];
            (int X, int Y)? previous = null;
            for (var i = 0; i < n; i++)
            {
                var v = series[s].Values[i];
                if (!double.IsFinite(v)) { previous = null; continue; }
                var point = (Px(i), frame.Y(v, y));
                if (previous is { } p) frame.Canvas.DrawLine(p.X, p.Y, point.Item1, point.Item2, color, 2);
                frame.Canvas.FillCircle(point.Item1, point.Item2, 3, color);
                previous = point;
            }
        }
        if (series.Count > 1 || threshold is not null)
            frame.Legend(series.Select((s, i) => (s.Name, Palette[i % Palette.Length])).ToList());
        return frame.Finish();
    }

    private static string Clip(string text, int max)
    {
        var clean = new string(text.Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());
        return clean.Length <= max ? clean : clean[..(max - 2)] + "..";
    }

    /// <summary>The chart frame: title, plot area, axes and legend.</summary>
    private sealed class Frame
    {
        public Frame(string title, int leftMargin, int bottomMargin)
        {
            Canvas = new Canvas(Width, Height, Background);
            var heading = Clip(title, (Width - 16) / (BitmapFont.Advance * 2));
            Canvas.DrawText(heading, (Width - BitmapFont.Measure(heading, 2)) / 2, 10, Ink, 2);
            Left = Math.Clamp(leftMargin + 14, 40, Width / 2);
            Top = 40;
            Right = Width - 16;
            Bottom = Height - bottomMargin;
        }

        public Canvas Canvas { get; }
        public int Left { get; }
        public int Top { get; }
        public int Right { get; }
        public int Bottom { get; }
        public int PlotWidth => Right - Left;
        public int PlotHeight => Bottom - Top;

        public int X(double v, (double Min, double Max, double Step) axis) =>
            Left + (int)Math.Round((v - axis.Min) / (axis.Max - axis.Min) * PlotWidth);

        public int Y(double v, (double Min, double Max, double Step) axis) =>
            Bottom - (int)Math.Round((v - axis.Min) / (axis.Max - axis.Min) * PlotHeight);

        public void YAxis((double Min, double Max, double Step) axis, string label)
        {
            for (var v = axis.Min; v <= axis.Max + axis.Step / 2; v += axis.Step)
            {
                var y = Y(v, axis);
                Canvas.DrawLine(Left, y, Right, y, Grid);
                var text = Axis.Format(v, axis.Step);
                Canvas.DrawText(text, Left - 6 - BitmapFont.Measure(text), y - 3, Ink);
            }
            var l = Clip(label, PlotHeight / BitmapFont.Advance);
            Canvas.DrawTextUp(l, 4, Top + PlotHeight / 2 + BitmapFont.Measure(l) / 2, Ink);
        }

        public void XAxis((double Min, double Max, double Step) axis, string label)
        {
            for (var v = axis.Min; v <= axis.Max + axis.Step / 2; v += axis.Step)
            {
                var x = X(v, axis);
                Canvas.DrawLine(x, Bottom, x, Bottom + 3, AxisColor);
                var text = Axis.Format(v, axis.Step);
                Canvas.DrawText(text, x - BitmapFont.Measure(text) / 2, Bottom + 8, Ink);
            }
            var l = Clip(label, PlotWidth / BitmapFont.Advance);
            Canvas.DrawText(l, Left + PlotWidth / 2 - BitmapFont.Measure(l) / 2, Bottom + 24, Ink);
        }

        public void Legend(IReadOnlyList<(string Name, Rgba Color)> entries)
        {
            var y = Top + 4;
            foreach (var (name, color) in entries)
            {
                var text = Clip(name, 20);
                var x = Right - BitmapFont.Measure(text) - 16;
                Canvas.FillRect(x, y, 9, 9, color);
                Canvas.DrawText(text, x + 13, y + 1, Ink);
                y += 14;
            }
        }

        public Canvas Finish()
        {
            Canvas.DrawLine(Left, Top, Left, Bottom, AxisColor);
            Canvas.DrawLine(Left, Bottom, Right, Bottom, AxisColor);
            return Canvas;
        }
    }
}
