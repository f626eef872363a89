using System.Text;
using SwarmAgentBot.Ml.Profiling;

namespace SwarmAgentBot.Ml.Tests.Profiling;

public class CsvRowReaderTests
{
    [Fact]
    public async Task ItReadsARecordLongerThanItsBuffer()
    {
        var longValue = new string('v', 20_000);
        var bytes = Encoding.UTF8.GetBytes($"a,b\n1,\"{longValue}\"\n2,short\n");
        var reader = new CsvRowReader(new MemoryStream(bytes), (byte)',', bufferSize: 4096);
        var rows = new List<string[]>();
        while (true)
        {
            while (reader.TryReadRow(out var row))
            {
                var cells = new string[row.Count];
                for (var i = 0; i < cells.Length; i++) cells[i] = row.GetString(i);
                rows.Add(cells);
            }
            if (reader.Completed) break;
            await reader.FillAsync();
        }
        Assert.Equal(3, rows.Count);
        Assert.Equal(longValue, rows[1][1]);
        Assert.Equal(["2", "short"], rows[2]);
    }

    [Fact]
    public async Task ItRefusesARecordBeyondTheLimitWithItsLine()
    {
        var bytes = Encoding.UTF8.GetBytes("a\n\"" + new string('x', 100_000));
        var reader = new CsvRowReader(new MemoryStream(bytes), (byte)',', bufferSize: 4096, maxRecordBytes: 16_384);
        var error = await Assert.ThrowsAsync<CsvFormatException>(async () =>
        {
            while (true)
            {
                while (reader.TryReadRow(out _)) { }
                if (reader.Completed) break;
                await reader.FillAsync();
            }
        });
        Assert.Contains("line 2", error.Message);
    }

    [Fact]
    public void ItPrefersTheDelimiterWithAConsistentCountPerLine()
    {
        // Commas appear inside values, semicolons separate the fields on every line.
        var head = "name;price;note\nA;1,5;x, y\nB;2,25;z\nC;3;w, v, u\n"u8;
        Assert.Equal((byte)';', CsvSniffer.InferDelimiter(head));
        Assert.Equal((byte)',', CsvSniffer.InferDelimiter("single\nvalue\n"u8));
        Assert.Equal((byte)'\t', CsvSniffer.InferDelimiter("a\t\"b,c\"\n1\t\"2,3\"\n"u8));
    }
}

public class NumberParsingTests
{
    [Fact]
    public void TheShortDecimalFastPathAgreesWithTheFullParser()
    {
        var random = new Random(9);
        for (var i = 0; i < 20_000; i++)
        {
            var text = (random.NextDouble() * Math.Pow(10, random.Next(-3, 9)) * (random.Next(2) == 0 ? -1 : 1)).ToString("F" + random.Next(0, 7), System.Globalization.CultureInfo.InvariantCulture);
            var bytes = System.Text.Encoding.ASCII.GetBytes(text);
            if (ColumnAccumulator.TryParseShortDecimal(bytes, out var fast))
                Assert.Equal(double.Parse(text, System.Globalization.CultureInfo.InvariantCulture), fast);
        }
        Assert.False(ColumnAccumulator.TryParseShortDecimal("1e5"u8, out _));
        Assert.False(ColumnAccumulator.TryParseShortDecimal("1.2.3"u8, out _));
        Assert.False(ColumnAccumulator.TryParseShortDecimal("-"u8, out _));
        Assert.False(ColumnAccumulator.TryParseShortDecimal("1234567890.1234567"u8, out _));
    }
}
