using System.Text.Json;
using WangJian.Credit.Cli.Commands;
using WangJian.Credit.Cli.Csv;

namespace WangJian.Credit.Cli.Tests;

[Collection(CliServerCollection.Name)]
public sealed class ImportTests(CliServerFixture server)
{
    [Fact]
    public void Import_SampleFile_ExitsSevenWithExactCounts()
    {
        var import = server.Import;
        Assert.True(import.ExitCode == ExitCodes.ImportRejectedRows, import.ToString());
        using var json = JsonDocument.Parse(import.Out);
        var root = json.RootElement;
        Assert.Equal(200, root.GetProperty("rowsRead").GetInt64());
        Assert.Equal("199", root.GetProperty("received").GetRawText().Trim('"'));
        Assert.Equal("197", root.GetProperty("created").GetRawText().Trim('"'));
        Assert.Equal("0", root.GetProperty("duplicate").GetRawText().Trim('"'));
        Assert.Equal("2", root.GetProperty("rejected").GetRawText().Trim('"'));
        Assert.Equal(1, root.GetProperty("localRejected").GetInt32());
        Assert.Equal(ImportCommand.DefaultRejectedPath(server.SampleCopy), root.GetProperty("rejectedFile").GetString());
    }

    [Fact]
    public void Import_SampleFile_WritesTheThreeBadRowsWithLineNumbersAndReasons()
    {
        var path = ImportCommand.DefaultRejectedPath(server.SampleCopy);
        Assert.True(File.Exists(path), server.Import.ToString());
        using var reader = new StreamReader(path);
        var records = new CsvReader(reader).ReadAll().ToList();
        Assert.Equal(["index", "line", "code", "reason", "fields", .. ViolationCsv.Columns], records[0].Fields);
        var rows = records.Skip(1).ToList();
        Assert.Equal(3, rows.Count);

        // Line 47: a USCC with a wrong check character, judged by the server.
        Assert.Equal(["45", "47", "INVALID_ARGUMENT"], rows[0].Fields.Take(3));
        Assert.Contains("check character", rows[0].Fields[3], StringComparison.Ordinal);
        Assert.Equal("operator_id", rows[0].Fields[4]);
        Assert.Equal("9137021230P3GNCYNN", rows[0].Fields[5]);

        // Line 101: the decision of line 63 again with another fine.
        Assert.Equal(["98", "101", "ALREADY_EXISTS"], rows[1].Fields.Take(3));
        Assert.Contains("京海市监处罚〔2025〕41号", rows[1].Fields[3], StringComparison.Ordinal);
        Assert.Contains("\n", rows[1].Fields[^1], StringComparison.Ordinal);

        // Line 155: a fine that is not a number never leaves the client.
        Assert.Equal(["", "155", ImportCommand.ParseErrorCode], rows[2].Fields.Take(3));
        Assert.Equal("fine_fen", rows[2].Fields[4]);
        Assert.Equal("5万元", rows[2].Fields[5 + 7]);
        Assert.All(rows, r => Assert.Equal(5 + ViolationCsv.Columns.Count, r.Fields.Count));
    }

    [Fact]
    public async Task Import_SameFileAgain_EverythingIsADuplicate()
    {
        var rejectedOut = Path.Combine(server.WorkDir, "again", "rejected.csv");
        var result = await server.RunAsync(null, "import", server.SampleCopy, "--rejected-out", rejectedOut);

        Assert.True(result.ExitCode == ExitCodes.ImportRejectedRows, result.ToString());
        Assert.Matches(@"received\s+199\b", result.Out);
        Assert.Matches(@"created\s+0\b", result.Out);
        Assert.Matches(@"duplicate\s+197\b", result.Out);
        Assert.Matches(@"rejected\s+2\b", result.Out);
        Assert.Matches(@"not sent \(parse errors\)\s+1\b", result.Out);
        Assert.Contains(rejectedOut, result.Out, StringComparison.Ordinal);
        using var reader = new StreamReader(rejectedOut);
        Assert.Equal(1 + 3, new CsvReader(reader).ReadAll().Count());
    }

    [Fact]
    public async Task Import_CleanFile_ExitsZeroAndWritesNoRejectedFile()
    {
        var file = Path.Combine(server.WorkDir, "clean.csv");
        var uscc = Cli.Uscc("91330106MA2CLEAN0");
        await File.WriteAllTextAsync(file, string.Join('\n',
            ViolationCsv.Header,
            $"{uscc},DISCLOSURE_FAILURE,MINOR,杭市监处罚〔2026〕9001号,330100-SAMR,杭州市市场监督管理局,2026-11-02,0,0,false,WARNING,\"未亮照经营, 已责令改正\"",
            string.Empty));

        var result = await server.RunAsync(null, "import", file);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Matches(@"created\s+1\b", result.Out);
        Assert.False(File.Exists(ImportCommand.DefaultRejectedPath(file)));
    }

    [Fact]
    public async Task Import_MissingFile_IsAUsageError()
    {
        var result = await server.RunAsync(null, "import", Path.Combine(server.WorkDir, "nope.csv"));

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("no such file", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_GbkFile_IsAUsageError()
    {
        var file = Path.Combine(server.WorkDir, "gbk.csv");
        // "杭州" in GBK: not UTF-8.
        byte[] gbk = [0xBA, 0xBC, 0xD6, 0xDD];
        await File.WriteAllBytesAsync(file, [.. System.Text.Encoding.ASCII.GetBytes(ViolationCsv.Header + "\n91330106673959654P,FAKE_REVIEW,GENERAL,x1,330100-SAMR,"), .. gbk, .. "\n"u8]);

        var result = await server.RunAsync(null, "import", file);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("not valid UTF-8", result.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_WrongHeader_IsAUsageErrorNamingTheColumns()
    {
        var file = Path.Combine(server.WorkDir, "bad-header.csv");
        await File.WriteAllTextAsync(file, "operator_id,offense,severity\n");

        var result = await server.RunAsync(null, "import", file);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("missing offense_code", result.Err, StringComparison.Ordinal);
        Assert.Contains("unknown 'offense'", result.Err, StringComparison.Ordinal);
    }
}
