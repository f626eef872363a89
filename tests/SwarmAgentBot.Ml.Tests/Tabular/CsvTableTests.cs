using System.Text;
using SwarmAgentBot.Ml.Tabular;

namespace SwarmAgentBot.Ml.Tests.Tabular;

public sealed class CsvTableTests
{
    [Theory]
    [InlineData(',')]
    [InlineData(';')]
    [InlineData('\t')]
    [InlineData('|')]
    public void ItInfersTheDelimiter(char delimiter)
    {
        var text = string.Join('\n', new[] { "a,b,c", "1,2.5,x", "3,4,y" }.Select(l => l.Replace(',', delimiter)));
        var table = CsvTable.ParseText(text);
        Assert.Equal(["a", "b", "c"], table.ColumnNames);
        Assert.Equal(2, table.RowCount);
        Assert.Equal("2.5", table[0, 1]);
        Assert.Equal("y", table[1, 2]);
    }

    [Fact]
    public void ADecimalCommaInsideSemicolonDataDoesNotFoolTheInference()
    {
        var table = CsvTable.ParseText("price;name\n\"1,5\";a\n\"2,25\";b\n3;c\n");
        Assert.Equal(["price", "name"], table.ColumnNames);
        Assert.Equal("2,25", table[1, 0]);
    }

    [Fact]
    public void QuotedFieldsKeepDelimitersQuotesAndLineBreaks()
    {
        var table = CsvTable.ParseText("id,text,n\r\n1,\"hello, \"\"world\"\"\",2\r\n2,\"two\nlines\",3\r\n3,plain,4\r\n");
        Assert.Equal(3, table.RowCount);
        Assert.Equal("hello, \"world\"", table[0, 1]);
        Assert.Equal("two\nlines", table[1, 1]);
        Assert.Equal([2, 3, 5], table.LineNumbers);
    }

    [Fact]
    public void EmptyCellsAreNullAndTheBomIsIgnored()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("x,y\n1,\n,2\n")).ToArray();
        var table = CsvTable.Parse(bytes, "bom.csv");
        Assert.Equal("x", table.ColumnNames[0]);
        Assert.Null(table[0, 1]);
        Assert.Null(table[1, 0]);
    }

    [Fact]
    public void RaggedRowsAreReportedWithTheirLineNumbers()
    {
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.ParseText("a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n", "data.csv"));
        Assert.Equal([3, 5], error.LineNumbers);
        Assert.Contains("line 3 has 2", error.Message);
        Assert.Contains("line 5 has 4", error.Message);
        Assert.Contains("data.csv", error.Message);
    }

    [Fact]
    public void AnEmptyFileIsRejectedClearly()
    {
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Parse([], "empty.csv"));
        Assert.Contains("empty.csv is empty", error.Message);
        Assert.Throws<CsvFormatException>(() => CsvTable.ParseText("\n\n  \n", "blank.csv"));
    }

    [Fact]
    public void AHeaderWithoutRowsIsRejected()
    {
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.ParseText("a,b\n", "head.csv"));
        Assert.Contains("no data rows", error.Message);
    }

    [Fact]
    public void BinaryContentIsNotACsv()
    {
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Parse(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0, 0, 1, 2 }, "archive.zip"));
        Assert.Contains("not a CSV", error.Message);
    }

    [Fact]
    public void ProseIsNotACsv()
    {
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.ParseText("This is a letter to the team about our plans\nWe will meet on Monday\n", "notes.txt"));
        Assert.Contains("does not look like a CSV", error.Message);
    }

    [Fact]
    public void AnUnclosedQuoteNamesTheLineWhereItOpened()
    {
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.ParseText("a,b\n1,2\n3,\"oops\n4,5\n", "q.csv"));
        Assert.Equal([3], error.LineNumbers);
    }

    [Fact]
    public void DuplicateHeaderNamesAreRejected()
    {
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.ParseText("a,b,a\n1,2,3\n"));
        Assert.Contains("'a'", error.Message);
    }

    [Fact]
    public void TheHashIsTheSha256OfTheFileBytes()
    {
        var bytes = Encoding.UTF8.GetBytes("a,b\n1,2\n");
        var table = CsvTable.Parse(bytes, "h.csv");
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), table.ContentSha256);
    }

    [Fact]
    public async Task WritingAndReadingBackGivesTheSameCells()
    {
        var table = CsvTable.ParseText("name,note\nx,\"a, b\"\ny,\"say \"\"hi\"\"\"\nz,\n");
        var writer = new StringWriter();
        await CsvTable.WriteAsync(table, writer);
        var again = CsvTable.ParseText(writer.ToString());
        Assert.Equal(table.ColumnNames, again.ColumnNames);
        for (var r = 0; r < table.RowCount; r++)
            for (var c = 0; c < table.ColumnCount; c++)
                Assert.Equal(table[r, c], again[r, c]);
    }

    [Fact]
    public async Task AMissingFileIsAFileNotFoundError()
    {
        await Assert.ThrowsAsync<FileNotFoundException>(() => CsvTable.LoadAsync("/no/such/file.csv"));
    }
}
