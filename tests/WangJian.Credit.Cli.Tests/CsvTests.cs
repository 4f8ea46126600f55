using WangJian.Credit.Cli.Csv;
using WangJian.Credit.V1;

namespace WangJian.Credit.Cli.Tests;

[Trait("Category", "Unit")]
public sealed class CsvTests
{
    private static List<CsvRecord> Read(string text) => new CsvReader(new StringReader(text)).ReadAll().ToList();

    [Fact]
    public void Read_QuotedFieldsWithCommasQuotesAndLineBreaks_KeepsThem()
    {
        var records = Read("a,\"b,1\",\"say \"\"hi\"\"\"\r\n\"two\r\nlines\",,\"\"\nlast,row,\"宣称\"\"买一送一\"\"\"");

        Assert.Equal(3, records.Count);
        Assert.Equal(["a", "b,1", "say \"hi\""], records[0].Fields);
        Assert.Equal(["two\nlines", "", ""], records[1].Fields);
        Assert.Equal(["last", "row", "宣称\"买一送一\""], records[2].Fields);
        Assert.Equal([1L, 2L, 4L], records.Select(r => r.Line));
        Assert.All(records, r => Assert.Null(r.Error));
    }

    [Fact]
    public void Read_EmptyLinesAndCrOnlyLineEnds_AreSkippedAndCounted()
    {
        var records = Read("h1,h2\n\nx,y\r\rz,w\n");

        Assert.Equal([1L, 3L, 5L], records.Select(r => r.Line));
        Assert.Equal(["z", "w"], records[2].Fields);
    }

    [Fact]
    public void Read_UnclosedQuote_IsAnErrorOfThatRecord()
    {
        var records = Read("a,b\nc,\"never closed\nd,e\n");

        Assert.Equal(2, records.Count);
        Assert.Contains("never closed", records[1].Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TextAfterClosingQuote_IsAnError()
    {
        var record = Assert.Single(Read("\"a\"b,c"));

        Assert.NotNull(record.Error);
    }

    [Fact]
    public void Write_ThenRead_RoundTrips()
    {
        using var writer = new StringWriter();
        string[] fields = ["plain", "with,comma", "with \"quote\"", "two\nlines", " padded ", "", "中文，全角逗号"];
        new CsvWriter(writer).WriteRecord(fields);

        Assert.Equal(fields, Assert.Single(Read(writer.ToString())).Fields);
    }

    [Fact]
    public void Map_GoodRow_BuildsTheRequestWithChinaMidnight()
    {
        var positions = ViolationCsv.MapHeader(ViolationCsv.Columns.ToList());
        var record = new CsvRecord(2, ["91330106673959654p ", "FAKE_REVIEW", "serious", "杭市监处罚〔2025〕118号", "330100-SAMR", "杭州市市场监督管理局", "2025-03-14", "5000000", "", "TRUE", "FINE| confiscation", "说明"]);

        var (request, rejection) = ViolationCsv.Map(record, positions);

        Assert.Null(rejection);
        Assert.NotNull(request);
        Assert.Equal("91330106673959654p", request.OperatorId);
        Assert.Equal(Severity.Serious, request.Severity);
        Assert.Equal(new DateTimeOffset(2025, 3, 13, 16, 0, 0, TimeSpan.Zero), request.DecidedAt.ToDateTimeOffset());
        Assert.Equal(5_000_000, request.FineFen);
        Assert.Equal(0, request.IllegalGainsFen);
        Assert.True(request.HeavierPenalty);
        Assert.Equal([PenaltyKind.Fine, PenaltyKind.Confiscation], request.PenaltyKinds);
    }

    [Theory]
    [InlineData(7, "5万元", "fine_fen")]
    [InlineData(8, "1.5", "illegal_gains_fen")]
    [InlineData(2, "VERY_BAD", "severity")]
    [InlineData(6, "14/03/2025", "decided_at")]
    [InlineData(9, "maybe", "heavier_penalty")]
    [InlineData(10, "FINE|JAIL", "penalty_kinds")]
    public void Map_UnparseableValue_IsRejectedLocallyNamingTheField(int column, string value, string field)
    {
        var positions = ViolationCsv.MapHeader(ViolationCsv.Columns.ToList());
        var fields = new List<string> { "91330106673959654P", "FAKE_REVIEW", "GENERAL", "d1", "330100-SAMR", "杭州", "2025-03-14", "0", "0", "false", "FINE", "" };
        fields[column] = value;

        var (request, rejection) = ViolationCsv.Map(new CsvRecord(9, fields), positions);

        Assert.Null(request);
        Assert.Equal([field], rejection!.Fields);
        Assert.Contains(value.Split('|')[^1], rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Map_WrongFieldCount_IsRejectedLocally()
    {
        var positions = ViolationCsv.MapHeader(ViolationCsv.Columns.ToList());

        var (request, rejection) = ViolationCsv.Map(new CsvRecord(3, ["a", "b"]), positions);

        Assert.Null(request);
        Assert.Contains("expected 12 fields, found 2", rejection!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void MapHeader_ColumnsInAnotherOrderWithBom_AreFound()
    {
        var header = ViolationCsv.Columns.Reverse().ToList();
        header[0] = "\uFEFF" + header[0];

        var positions = ViolationCsv.MapHeader(header);

        Assert.Equal(11, positions[0]);
        Assert.Equal(0, positions[11]);
    }

    [Theory]
    [InlineData("2025-03-14", "2025-03-13T16:00:00Z")]
    [InlineData("2025-03-14T09:30", "2025-03-14T01:30:00Z")]
    [InlineData("2025-03-14 09:30:15", "2025-03-14T01:30:15Z")]
    [InlineData("2025-03-14T09:30:00+08:00", "2025-03-14T01:30:00Z")]
    [InlineData("2025-03-14T01:30:00Z", "2025-03-14T01:30:00Z")]
    public void Times_Parse_DateOnlyAndLocalTimesAreChinaTime(string text, string utc)
    {
        Assert.True(Times.TryParse(text, out var instant));
        Assert.Equal(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), instant);
    }

    [Theory]
    [InlineData("tomorrow")]
    [InlineData("14.03.2025")]
    [InlineData("2025-02-30")]
    public void Times_Parse_RefusesWhatIsNotIso(string text) => Assert.False(Times.TryParse(text, out _));
}
