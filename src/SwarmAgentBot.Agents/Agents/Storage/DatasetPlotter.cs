using System.Globalization;
using SwarmAgentBot.Ml.Charts;
using SwarmAgentBot.Ml.Profiling;

namespace SwarmAgentBot.Agents.Agents.Storage;

/// <summary>A chart of a dataset, stored and ready for a card.</summary>
/// <param name="Chart">Where the PNG is.</param>
/// <param name="Kind">histogram, bar, scatter or mean-by-category.</param>
/// <param name="Description">One sentence on what it shows (and whether it is from a sample).</param>
public sealed record DatasetPlot(StoredChart Chart, string Kind, string Description);

/// <summary>
/// Picks and draws the chart that fits one or two columns: a histogram of a number, a bar chart
/// of a category's counts, a scatter of two numbers, or the mean of a number per category.
/// </summary>
public sealed class DatasetPlotter(DatasetRegistry registry, ChartStore charts)
{
    /// <summary>Rows read for histograms and per-category means; the chart says when it is a sample.</summary>
    public const int SampleRows = 200_000;

    /// <summary>Points drawn in a scatter plot.</summary>
    public const int ScatterPoints = 5_000;

    /// <summary>Draws and stores the chart. Throws <see cref="DatasetException"/> when the columns cannot be charted together.</summary>
    public async Task<DatasetPlot> PlotAsync(DatasetVersion dataset, ColumnProfile x, ColumnProfile? y, CancellationToken cancellationToken = default)
    {
        if (x.Count == 0 || y is { Count: 0 })
            throw new DatasetException($"'{(x.Count == 0 ? x.Name : y!.Name)}' has no values in {dataset.Label}, so there is nothing to plot.");

        if (y is null && x.IsNumeric)
        {
            var sample = await SampleAsync(dataset, [x.Name], SampleRows, cancellationToken);
            var values = sample.Rows.Select(r => Number(r[0])).Where(double.IsFinite).ToList();
            var chart = ChartRenderer.Histogram($"{x.Name} in {dataset.Label}", x.Name, values);
            return new DatasetPlot(await charts.SaveAsync(chart, cancellationToken), "histogram",
                $"Histogram of **{x.Name}** ({values.Count:N0} values{SampledNote(sample)}).");
        }

        if (y is null)
        {
            if (x.TopValues.Count == 0)
                throw new DatasetException($"'{x.Name}' has {x.DistinctText} distinct values, too many for a bar chart. Plot a numeric column, or one with fewer categories.");
            var bars = x.TopValues.Take(20).Select(v => new KeyValuePair<string, double>(v.Value, v.Count)).ToList();
            var chart = ChartRenderer.Bar($"{x.Name} in {dataset.Label}", "count", bars);
            var shown = x.Distinct > bars.Count ? $"the {bars.Count} most frequent of {x.DistinctText} values" : $"all {bars.Count} values";
            return new DatasetPlot(await charts.SaveAsync(chart, cancellationToken), "bar",
                $"Counts of **{x.Name}** ({shown}{(x.TopValuesExact ? "" : "; counts are lower bounds")}).");
        }

        if (x.IsNumeric && y.IsNumeric)
        {
            var sample = await SampleAsync(dataset, [x.Name, y.Name], ScatterPoints, cancellationToken);
            var pairs = sample.Rows.Select(r => (X: Number(r[0]), Y: Number(r[1]))).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
            if (pairs.Count == 0) throw new DatasetException($"No row has both '{x.Name}' and '{y.Name}', so there is nothing to plot.");
            var chart = ChartRenderer.Scatter($"{y.Name} vs {x.Name}", x.Name, y.Name, pairs.Select(p => p.X).ToList(), pairs.Select(p => p.Y).ToList());
            return new DatasetPlot(await charts.SaveAsync(chart, cancellationToken), "scatter",
                $"Scatter of **{y.Name}** against **{x.Name}** ({pairs.Count:N0} points{SampledNote(sample)}).");
        }

        var (category, number) = x.IsNumeric ? (y, x) : (x, y);
        if (!number.IsNumeric)
            throw new DatasetException($"'{x.Name}' and '{y.Name}' are both non-numeric. I can chart two numeric columns (scatter) or a category with a number (mean per category); for one category alone, plot just that column.");
        var rows = await SampleAsync(dataset, [category.Name, number.Name], SampleRows, cancellationToken);
        var means = rows.Rows
            .Select(r => (Category: r[0], Value: Number(r[1])))
            .Where(r => !MissingValues.Is(r.Category) && double.IsFinite(r.Value))
            .GroupBy(r => r.Category)
            .Select(g => (Category: g.Key, Count: g.Count(), Mean: g.Average(r => r.Value)))
            .OrderByDescending(g => g.Count).ThenBy(g => g.Category, StringComparer.Ordinal)
            .Take(20)
            .ToList();
        if (means.Count == 0) throw new DatasetException($"No row has both '{category.Name}' and '{number.Name}', so there is nothing to plot.");
        var bar = ChartRenderer.Bar($"mean {number.Name} by {category.Name}", "mean " + number.Name, means.Select(m => new KeyValuePair<string, double>(m.Category, m.Mean)).ToList());
        return new DatasetPlot(await charts.SaveAsync(bar, cancellationToken), "mean-by-category",
            $"Mean **{number.Name}** per **{category.Name}** ({means.Count} most frequent categories{SampledNote(rows)}).");
    }

    private async Task<ColumnSample> SampleAsync(DatasetVersion dataset, IReadOnlyList<string> columns, int rows, CancellationToken cancellationToken)
    {
        await using var stream = await registry.OpenAsync(dataset, cancellationToken);
        return await CsvReading.SampleColumnsAsync(stream, columns, rows, (byte)dataset.Delimiter, cancellationToken: cancellationToken);
    }

    private static string SampledNote(ColumnSample sample) => sample.Complete ? "" : $", a random sample of {sample.Rows.Count:N0} of {sample.TotalRows:N0} rows";

    private static double Number(string text) =>
        !MissingValues.Is(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.NaN;
}
