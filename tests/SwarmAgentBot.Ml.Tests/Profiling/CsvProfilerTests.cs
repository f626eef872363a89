using System.Text;
using SwarmAgentBot.Ml.Profiling;

namespace SwarmAgentBot.Ml.Tests.Profiling;

public class CsvProfilerTests
{
    private static Task<CsvProfile> Profile(string csv, CsvProfileOptions? options = null) =>
        CsvProfiler.ProfileAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), options);

    [Fact]
    public async Task ItInfersTypesMissingValuesAndNumericSummary()
    {
        var profile = await Profile("""
            id,age,income,city,member,joined,note
            1,34,1200.5,Paris,yes,2024-01-05,
            2,,980,Lyon,no,2024-02-10T08:30:00,hello
            3,51,NA,Paris,Yes,2023-12-31,
            4,29,1500.25,,NO,2024-03-01,x
            """);

        Assert.Equal(4, profile.Rows);
        Assert.Equal(',', profile.Delimiter);
        Assert.Null(profile.Problem());
        var age = profile.Find("age")!;
        Assert.Equal(ColumnType.Integer, age.Type);
        Assert.Equal(1, age.Missing);
        Assert.Equal(25.0, age.MissingPercent);
        Assert.Equal(29, age.Min);
        Assert.Equal(51, age.Max);
        double[] ages = [34, 51, 29];
        Assert.Equal(ages.Average(), age.Mean!.Value, 10);
        Assert.Equal(SampleStd(ages), age.Std!.Value, 10);

        var income = profile.Find("income")!;
        Assert.Equal(ColumnType.Float, income.Type);
        Assert.Equal(1, income.Missing);
        Assert.Equal(new[] { 1200.5, 980, 1500.25 }.Average(), income.Mean!.Value, 10);

        Assert.Equal(ColumnType.Categorical, profile.Find("city")!.Type);
        Assert.Equal(2, profile.Find("city")!.Distinct);
        Assert.Equal(new ValueCount("Paris", 2), profile.Find("city")!.TopValues[0]);
        Assert.Equal(ColumnType.Boolean, profile.Find("member")!.Type);
        var joined = profile.Find("joined")!;
        Assert.Equal(ColumnType.DateTime, joined.Type);
        Assert.Equal("2023-12-31", joined.MinText);
        Assert.Equal("2024-03-01", joined.MaxText);
        Assert.Equal(2, profile.Find("note")!.Missing);
        Assert.Null(profile.Find("note")!.Mean);
    }

    [Fact]
    public async Task ItCountsPandasMissingSpellingsCaseSensitively()
    {
        var profile = await Profile("plan\nnone\nNone\nNA\nn/a\nnull\n<NA>\nbasic\nnone\n");
        var plan = profile.Columns[0];
        Assert.Equal(5, plan.Missing);
        Assert.Equal([new ValueCount("none", 2), new ValueCount("basic", 1)], plan.TopValues);
        Assert.True(MissingValues.Is("NaN"));
        Assert.False(MissingValues.Is("nane"));
    }

    [Theory]
    [InlineData(';')]
    [InlineData('\t')]
    [InlineData('|')]
    [InlineData(',')]
    public async Task ItInfersTheDelimiter(char delimiter)
    {
        var d = delimiter.ToString();
        var csv = string.Join("\n", new[] { $"a{d}b{d}c", $"1{d}x y{d}3.5", $"2{d}z{d}4.5" });
        var profile = await Profile(csv);
        Assert.Equal(delimiter, profile.Delimiter);
        Assert.Equal(["a", "b", "c"], profile.Columns.Select(c => c.Name));
        Assert.Equal(2, profile.Rows);
        Assert.Equal(0, profile.RaggedRowCount);
    }

    [Fact]
    public async Task ItReadsQuotedFieldsWithDelimitersDoubledQuotesAndLineBreaks()
    {
        var csv = "name,comment,score\r\n\"Smith, J\",\"said \"\"hi\"\"\r\nthen left\",3\r\nLee,plain,4\r\n";
        var preview = await CsvReading.PreviewAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), 10);
        Assert.Equal(["name", "comment", "score"], preview.Columns);
        Assert.Equal(2, preview.Rows.Count);
        Assert.Equal("Smith, J", preview.Rows[0][0]);
        Assert.Equal("said \"hi\"\r\nthen left", preview.Rows[0][1]);
        Assert.Equal(["Lee", "plain", "4"], preview.Rows[1]);

        var profile = await Profile(csv);
        Assert.Equal(2, profile.Rows);
        Assert.Equal(ColumnType.Integer, profile.Find("score")!.Type);
        Assert.Equal(0, profile.RaggedRowCount);
    }

    [Fact]
    public async Task ItReportsRaggedRowsWithTheirPhysicalLineNumbers()
    {
        var csv = "a,b,c\n1,2,3\n\"multi\nline\",5,6\n7,8\n9,10,11,12\n13,14,15\n";
        var profile = await Profile(csv);
        Assert.Equal(5, profile.Rows);
        Assert.Equal(2, profile.RaggedRowCount);
        Assert.Equal([new RaggedRow(5, 2), new RaggedRow(6, 4)], profile.RaggedRows);
        var problem = profile.Problem();
        Assert.NotNull(problem);
        Assert.Contains("line 5 has 2", problem);
        Assert.Contains("line 6 has 4", problem);
    }

    [Fact]
    public async Task ItSaysWhenAQuoteIsNeverClosed()
    {
        var profile = await Profile("a,b\n1,2\n3,\"open\n4,5\n");
        Assert.Equal(3, profile.UnterminatedQuoteLine);
        Assert.Contains("line 3", profile.Problem());
    }

    [Fact]
    public async Task ItFlagsEmptyAndDuplicateHeaderNames()
    {
        var profile = await Profile("a,,A\n1,2,3\n");
        Assert.Contains("column 2 has no name", profile.Problem());
        Assert.Contains("'A' is the name of columns 1 and 3", profile.Problem());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("\n\n  \n", "blank lines")]
    [InlineData("PK\u0003\u0004rest-of-a-zip", "Excel .xlsx")]
    [InlineData("PAR1\u0000\u0000", "Parquet")]
    [InlineData("a,b\u0000\u0001\u0002", "binary")]
    public async Task ItRejectsContentThatIsNotACsv(string content, string expected)
    {
        var error = await Assert.ThrowsAsync<CsvFormatException>(() => Profile(content));
        Assert.Contains(expected, error.Message);
        Assert.Contains("Supported: CSV", error.Message);
    }

    [Fact]
    public async Task ItSaysAHeaderWithoutRowsHasNoData()
    {
        var profile = await Profile("a,b\n");
        Assert.Equal(0, profile.Rows);
        Assert.Equal("The file has a header row but no data rows.", profile.Problem());
    }

    [Fact]
    public async Task ItSkipsAByteOrderMarkAndBlankLines()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("x;y\r\n1;2\r\n\r\n3;4\r\n")).ToArray();
        var profile = await CsvProfiler.ProfileAsync(new MemoryStream(bytes));
        Assert.Equal("x", profile.Columns[0].Name);
        Assert.Equal(2, profile.Rows);
        Assert.Equal(';', profile.Delimiter);
    }

    [Fact]
    public async Task ItGivesTheSameProfileWhateverHowTheBytesArrive()
    {
        var csv = GenerateCsv(3000, seed: 5);
        var whole = await Profile(csv);
        var trickled = await CsvProfiler.ProfileAsync(new TrickleStream(Encoding.UTF8.GetBytes(csv), 7));
        Assert.Equal(whole.Rows, trickled.Rows);
        for (var i = 0; i < whole.Columns.Count; i++)
        {
            Assert.Equal(whole.Columns[i].Type, trickled.Columns[i].Type);
            Assert.Equal(whole.Columns[i].Missing, trickled.Columns[i].Missing);
            Assert.Equal(whole.Columns[i].Distinct, trickled.Columns[i].Distinct);
            Assert.Equal(whole.Columns[i].Mean, trickled.Columns[i].Mean);
        }
    }

    [Fact]
    public async Task ItMatchesATwoPassComputationOnGeneratedData()
    {
        var csv = GenerateCsv(5000, seed: 11);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).ToList();
        var profile = await Profile(csv);

        var amounts = lines.Select(l => l[1]).Where(v => v.Length > 0).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var amount = profile.Find("amount")!;
        Assert.Equal(ColumnType.Float, amount.Type);
        Assert.Equal(lines.Count - amounts.Length, amount.Missing);
        Assert.Equal(amounts.Average(), amount.Mean!.Value, 9);
        Assert.Equal(SampleStd(amounts), amount.Std!.Value, 9);
        Assert.Equal(amounts.Min(), amount.Min);
        Assert.Equal(amounts.Max(), amount.Max);

        var segments = lines.GroupBy(l => l[2]).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        var segment = profile.Find("segment")!;
        Assert.True(segment.TopValuesExact);
        Assert.Equal(segments.Select(g => new ValueCount(g.Key, g.Count())), segment.TopValues);
        Assert.Equal(lines.Select(l => l[0]).Distinct().Count(), profile.Find("id")!.Distinct);
    }

    [Fact]
    public async Task ItCountsDistinctValuesExactlyUpToTheCapThenEstimatesThem()
    {
        var sb = new StringBuilder("key\n");
        for (var i = 0; i < 50_000; i++) sb.Append("k").Append(i * 7919 % 1_000_003).Append('\n');
        var profile = await Profile(sb.ToString(), new CsvProfileOptions { DistinctCap = 2000, FrequentCap = 64 });
        var key = profile.Columns[0];
        Assert.True(key.DistinctIsEstimate);
        Assert.InRange(key.Distinct, 48_000, 52_000);
        Assert.Equal(ColumnType.Text, key.Type);
        Assert.StartsWith("≈", key.DistinctText);

        var exact = await Profile(sb.ToString(), new CsvProfileOptions { DistinctCap = 100_000 });
        Assert.False(exact.Columns[0].DistinctIsEstimate);
        Assert.Equal(50_000, exact.Columns[0].Distinct);
    }

    [Fact]
    public async Task ItKeepsTheMostFrequentValueOfAHighCardinalityColumn()
    {
        var sb = new StringBuilder("v\n");
        for (var i = 0; i < 20_000; i++) sb.Append(i % 4 == 0 ? "common" : "u" + i).Append('\n');
        var profile = await Profile(sb.ToString(), new CsvProfileOptions { FrequentCap = 32, DistinctCap = 1_000_000 });
        var column = profile.Columns[0];
        Assert.False(column.TopValuesExact);
        Assert.Equal("common", column.TopValues[0].Value);
        Assert.InRange(column.TopValues[0].Count, 1, 5000);
    }

    [Fact]
    public async Task ItComputesLabelBalanceForAClassColumnAndRefusesARegressionTarget()
    {
        var csv = "x,label\n" + string.Concat(Enumerable.Range(0, 100).Select(i => $"{i * 1.5},{(i < 80 ? "no" : "yes")}\n"));
        var profile = await Profile(csv);
        var balance = LabelBalance.From(profile.Find("label")!, out var reason);
        Assert.Null(reason);
        Assert.NotNull(balance);
        Assert.Equal([new LabelShare("no", 80, 0.8), new LabelShare("yes", 20, 0.2)], balance.Classes);
        Assert.Equal(4.0, balance.ImbalanceRatio);

        Assert.Null(LabelBalance.From(profile.Find("x")!, out var why));
        Assert.Contains("regression target", why);
    }

    [Fact]
    public async Task ItSamplesColumnsForChartsAndReadsEveryRowWhenTheFileIsSmall()
    {
        var csv = GenerateCsv(500, seed: 3);
        var sample = await CsvReading.SampleColumnsAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), ["segment", "amount"], 1000);
        Assert.True(sample.Complete);
        Assert.Equal(500, sample.TotalRows);
        var small = await CsvReading.SampleColumnsAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), ["amount"], 50);
        Assert.False(small.Complete);
        Assert.Equal(50, small.Rows.Count);
        await Assert.ThrowsAsync<ArgumentException>(() => CsvReading.SampleColumnsAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), ["nope"], 10));
    }

    internal static string GenerateCsv(int rows, int seed)
    {
        var random = new Random(seed);
        string[] segments = ["retail", "smb", "enterprise", "public"];
        var sb = new StringBuilder("id,amount,segment,flag\n");
        for (var i = 0; i < rows; i++)
        {
            var amount = random.NextDouble() < 0.1 ? "" : (random.NextDouble() * 1000 - 100).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
            sb.Append("c").Append(i).Append(',').Append(amount).Append(',').Append(segments[random.Next(segments.Length)]).Append(',').Append(random.Next(2) == 0 ? "true" : "false").Append('\n');
        }
        return sb.ToString();
    }

    private static double SampleStd(double[] values)
    {
        var mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
    }

    /// <summary>Hands out at most a few bytes per read, to cross every buffer boundary.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
