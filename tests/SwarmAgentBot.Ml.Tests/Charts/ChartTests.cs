using System.Text;
using SwarmAgentBot.Ml.Charts;

namespace SwarmAgentBot.Ml.Tests.Charts;

public class ChartTests
{
    [Fact]
    public void Crc32MatchesTheStandardCheckValues()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0xAE426082u, Crc32.Compute("IEND"u8));
    }

    [Fact]
    public void ItEncodesAPngWhoseScanlinesInflateToTheRasterDrawn()
    {
        var canvas = new Canvas(7, 5, Rgba.White);
        canvas.Plot(2, 1, new Rgba(255, 0, 0));
        canvas.FillRect(0, 3, 7, 2, new Rgba(0, 0, 255));
        var png = new PngReader(canvas.ToPng());

        Assert.Equal(["IHDR", "IDAT", "IEND"], png.Chunks);
        Assert.Equal((7, 5, 8, 6), (png.Width, png.Height, png.BitDepth, png.ColorType));
        Assert.Equal(5 * (1 + 7 * 4), png.Scanlines.Length);
        Assert.Equal(new Rgba(255, 0, 0), png[2, 1]);
        Assert.Equal(Rgba.White, png[3, 1]);
        Assert.Equal(new Rgba(0, 0, 255), png[6, 4]);
        Assert.Equal(canvas.Pixels.ToArray(), png.Pixels);
    }

    [Fact]
    public void TranslucentColoursBlendOverTheBackground()
    {
        var canvas = new Canvas(1, 1, Rgba.White);
        canvas.Plot(0, 0, new Rgba(0, 0, 0, 128));
        Assert.Equal(new Rgba(127, 127, 127), canvas[0, 0]);
    }

    [Fact]
    public void TheFontDrawsEachGlyphFromItsArt()
    {
        // 'T': a full top bar, then a centre stem.
        for (var x = 0; x < 5; x++) Assert.True(BitmapFont.Ink('T', x, 0));
        Assert.True(BitmapFont.Ink('T', 2, 6));
        Assert.False(BitmapFont.Ink('T', 0, 6));
        Assert.False(BitmapFont.Ink(' ', 2, 3));
        // Anything outside ASCII falls back to '?'.
        Assert.Equal(Enumerable.Range(0, 40).Select(i => BitmapFont.Ink('?', i % 5, i / 5)), Enumerable.Range(0, 40).Select(i => BitmapFont.Ink('é', i % 5, i / 5)));

        var canvas = new Canvas(20, 10, Rgba.White);
        canvas.DrawText("T", 3, 1, Rgba.Black, scale: 2);
        Assert.Equal(Rgba.Black, canvas[3, 1]);
        Assert.Equal(Rgba.Black, canvas[12, 2]);
        Assert.Equal(Rgba.White, canvas[3, 4]);
        Assert.Equal(11, BitmapFont.Measure("ab"));
    }

    [Fact]
    public void AHistogramPutsItsTallestBarWhereTheValuesAre()
    {
        // Everything in [10, 20) but one value: the bar over 15 must reach near the top of the plot.
        var values = Enumerable.Repeat(15.0, 99).Append(42.0).ToList();
        var canvas = ChartRenderer.Histogram("Histogram of x", "x", values, bins: 4);
        var png = new PngReader(canvas.ToPng());
        Assert.Equal((ChartRenderer.Width, ChartRenderer.Height), (png.Width, png.Height));
        Assert.Equal(Rgba.White, png[1, 1]);
        var primaryColumns = Enumerable.Range(0, png.Width).Where(x => png[x, 100] == ChartRenderer.Primary).ToList();
        Assert.NotEmpty(primaryColumns);
        // The one outlier's bar is short: nothing primary at that height far to the right.
        Assert.All(primaryColumns, x => Assert.True(x < png.Width / 2, $"tall bar at x={x}"));
    }

    [Fact]
    public void ABarChartDrawsOneBarPerCategoryInOrder()
    {
        var canvas = ChartRenderer.Bar("contract", "count", [new("monthly", 300), new("yearly", 100)]);
        // Along a row a little above the axis both bars show; higher up only the first.
        var low = Runs(canvas, ChartRenderer.Height - 40, ChartRenderer.Primary);
        var high = Runs(canvas, 80, ChartRenderer.Primary);
        Assert.Equal(2, low);
        Assert.Equal(1, high);
    }

    [Fact]
    public void AHorizontalBarChartOrdersBarsLargestFirst()
    {
        var canvas = ChartRenderer.HorizontalBar("importance", "gain", [new("small", 1), new("large", 4)]);
        int Length(int y) => Enumerable.Range(0, canvas.Width).Count(x => canvas[x, y] == ChartRenderer.Primary);
        var rows = Enumerable.Range(0, canvas.Height).Where(y => Length(y) > 0).ToList();
        var first = Length(rows.First());
        var last = Length(rows.Last());
        Assert.True(first > 3 * last, $"top bar {first}px, bottom bar {last}px");
    }

    [Fact]
    public void AScatterPlotsPointsAndTheOverlayAndLineUseTheirColours()
    {
        var scatter = ChartRenderer.Scatter("s", "x", "y", [1, 2, 3], [3, 1, 2]);
        Assert.True(Count(scatter, c => c.B > c.R + 40) > 10);

        var overlay = ChartRenderer.Overlay("drift", "x", [1, 1, 2, 2, 3], [3, 3, 3, 2, 4]);
        Assert.True(Count(overlay, c => c == ChartRenderer.Primary) > 100);
        Assert.True(Count(overlay, c => c == ChartRenderer.Secondary) > 100);

        var line = ChartRenderer.Line("psi", "psi", ["d1", "d2", "d3"], [new LineSeries("psi", [0.1, 0.3, double.NaN])], threshold: 0.2);
        Assert.True(Count(line, c => c == ChartRenderer.Alert) > 20);
        Assert.True(Count(line, c => c == ChartRenderer.Primary) > 20);
    }

    [Fact]
    public void ChartsRefuseInputTheyCannotDraw()
    {
        Assert.Throws<ArgumentException>(() => ChartRenderer.Histogram("h", "x", [double.NaN]));
        Assert.Throws<ArgumentException>(() => ChartRenderer.Bar("b", "n", []));
        Assert.Throws<ArgumentException>(() => ChartRenderer.Scatter("s", "x", "y", [1], [1, 2]));
        Assert.Throws<ArgumentException>(() => ChartRenderer.Line("l", "y", ["a"], [new LineSeries("s", [1, 2])]));
    }

    [Fact]
    public void HistogramBinsHaveRoundEdgesAndCountEveryValue()
    {
        var bins = HistogramBins.FromValues([0.3, 1.2, 9.9, 10, 4.4], 5);
        Assert.Equal(0, bins.Edges[0]);
        Assert.True(bins.Edges[^1] >= 10);
        Assert.Equal(5, bins.Counts.Sum());
        Assert.All(bins.Edges.Zip(bins.Edges.Skip(1)), p => Assert.Equal(2, p.Second - p.First, 9));
    }

    private static int Count(Canvas canvas, Func<Rgba, bool> predicate)
    {
        var n = 0;
        for (var y = 0; y < canvas.Height; y++)
            for (var x = 0; x < canvas.Width; x++)
                if (predicate(canvas[x, y])) n++;
        return n;
    }

    private static int Runs(Canvas canvas, int y, Rgba color)
    {
        var runs = 0;
        var inside = false;
        for (var x = 0; x < canvas.Width; x++)
        {
            var hit = canvas[x, y] == color;
            if (hit && !inside) runs++;
            inside = hit;
        }
        return runs;
    }
}
