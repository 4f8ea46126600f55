using System.Text.Json;

namespace WangJian.Credit.Cli.Tests;

[Collection(CliServerCollection.Name)]
public sealed class CommandTests(CliServerFixture server)
{
    /// <summary>阿里云: one GENERAL FAKE_REVIEW_ORGANIZING in the sample (README's example: 15 points).</summary>
    private const string Aliyun = "91330106673959654P";

    /// <summary>Sample operator with a FALSE_AD_HEALTH under a heavier penalty: listed.</summary>
    private const string Listed = "9111010803FNC10JD2";

    [Fact]
    public async Task Status_ImportedOperator_ShowsGradeScoreAndEachDeduction()
    {
        var result = await server.RunAsync(null, "status", Listed);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Matches(@"Grade\s+D\b", result.Out);
        Assert.Matches(@"Score\s+[\d.]+ / 100", result.Out);
        Assert.Matches(@"Blacklisted\s+yes", result.Out);
        Assert.Matches(@"Listed at\s+2026-08-27 00:00 \+08:00", result.Out);
        Assert.Contains("Repairable from", result.Out, StringComparison.Ordinal);
        Assert.Contains("Deductions (3,", result.Out, StringComparison.Ordinal);
        foreach (var decision in new[] { "京海市监处罚〔2026〕102号", "京海市监处罚〔2026〕115号", "京海市监处罚〔2026〕126号" })
        {
            Assert.Contains(decision, result.Out, StringComparison.Ordinal);
        }

        Assert.Contains("Advertising Law", result.Out, StringComparison.Ordinal);
        Assert.Contains("× health 1.2", result.Out, StringComparison.Ordinal);
        Assert.Contains("Policy", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_Json_IsTheResponseAsJson()
    {
        var result = await server.RunAsync(null, "status", Aliyun, "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        var status = json.RootElement.GetProperty("status");
        Assert.Equal(Aliyun, status.GetProperty("operatorId").GetString());
        Assert.Equal("GRADE_B", status.GetProperty("grade").GetString());
        Assert.Equal(85, status.GetProperty("score").GetDouble());
        var deduction = Assert.Single(status.GetProperty("deductions").EnumerateArray());
        Assert.Equal("FAKE_REVIEW_ORGANIZING", deduction.GetProperty("offenseCode").GetString());
        Assert.Equal(15, deduction.GetProperty("points").GetDouble());
    }

    [Fact]
    public async Task Status_AsOfBeforeTheDecision_IsA100()
    {
        var result = await server.RunAsync(null, "status", Aliyun, "--as-of", "2026-09-20", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        var status = json.RootElement.GetProperty("status");
        Assert.Equal("GRADE_A", status.GetProperty("grade").GetString());
        Assert.Equal(100, status.GetProperty("score").GetDouble());
        Assert.Equal("2026-09-19T16:00:00Z", status.GetProperty("asOf").GetString());
    }

    [Fact]
    public async Task Check_CleanOperator_AllowsWithExitZero()
    {
        var clean = Cli.Uscc("91440300MA5CLEAN1");

        var result = await server.RunAsync("agency:NDRC", "check", clean, "--matter", "GOV_FUNDING");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Matches(@"Decision\s+ALLOW", result.Out);
        Assert.Matches(@"Check id\s+\S+", result.Out);
    }

    [Fact]
    public async Task Check_ListedOperator_ProhibitsWithExitZeroAndNamesTheMeasure()
    {
        var result = await server.RunAsync(null, "check", Listed, "--matter", "GOV_PROCUREMENT", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("CHECK_DECISION_PROHIBIT", json.RootElement.GetProperty("decision").GetString());
        Assert.NotEmpty(json.RootElement.GetProperty("measures").EnumerateArray());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("checkId").GetString()));
    }

    [Fact]
    public async Task Blacklist_AllPages_ListsTheListedSampleOperators()
    {
        var result = await server.RunAsync(null, "blacklist", "--page-size", "2", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        var ids = json.RootElement.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("operatorId").GetString()).ToList();
        Assert.Contains(Listed, ids);
        Assert.Contains("9133010642UY1C9PQR", ids); // three FAKE_REVIEW-family decisions in 24 months
        Assert.True(ids.Count > 2, "more than one page");
        Assert.Equal(ids.Count, ids.Distinct().Count());

        var table = await server.RunAsync(null, "blacklist");
        Assert.Contains($"{ids.Count} operator(s) listed.", table.Out, StringComparison.Ordinal);
        Assert.Contains("REPEAT_FAKE_REVIEW", table.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_AllPages_ListsEveryRecord()
    {
        var result = await server.RunAsync(null, "history", "91110108906HCH8FXW", "--page-size", "1", "--json");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal(3, json.RootElement.GetProperty("violations").GetArrayLength());
        Assert.Equal(3, json.RootElement.GetProperty("totalSize").GetInt32());

        var table = await server.RunAsync(null, "history", "91110108906HCH8FXW");
        Assert.True(table.ExitCode == ExitCodes.Ok, table.ToString());
        Assert.Contains("3 record(s)", table.Out, StringComparison.Ordinal);
        Assert.Contains("京海市监处罚〔2025〕41号", table.Out, StringComparison.Ordinal);
        Assert.Contains("ACTIVE", table.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_FromBeginning_PrintsOneJsonObjectPerChangeUntilCancelled()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = new LineCountingWriter(20, cancel);
        using var error = new StringWriter();
        var code = await Program.RunAsync(
            ["--server", server.Address, "--token-file", server.TokenFile, "watch", "--from-beginning", "--json"], output, error, cancel.Token);

        Assert.True(code == ExitCodes.Ok, error.ToString());
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 20, output.ToString());
        var cursors = new List<string>();
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            cursors.Add(json.RootElement.GetProperty("cursor").GetString()!);
            Assert.Equal(18, json.RootElement.GetProperty("operatorId").GetString()!.Length);
        }

        Assert.Equal(cursors.Count, cursors.Distinct().Count());

        // Continuing from a cursor repeats nothing.
        using var again = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var next = new LineCountingWriter(1, again);
        code = await Program.RunAsync(
            ["--server", server.Address, "--token-file", server.TokenFile, "watch", "--cursor", cursors[0]], next, error, again.Token);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.EndsWith($"cursor={cursors[1]}", next.ToString().Split('\n')[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_InterruptedAtAnyPoint_ExitsZeroAndNamesTheCursorToResumeFrom()
    {
        // Interrupts during connection set-up, mid-stream after each of the first lines, and while waiting.
        foreach (var afterLines in new[] { 1, 2, 3, 5, 8 })
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var output = new LineCountingWriter(afterLines, cancel);
            using var error = new StringWriter();
            var code = await Program.RunAsync(
                ["--server", server.Address, "--token-file", server.TokenFile, "watch", "--from-beginning"], output, error, cancel.Token);
            Assert.True(code == ExitCodes.Ok, $"after {afterLines} lines: exit {code}: {error}");
            var last = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
            var cursor = last[(last.LastIndexOf("cursor=", StringComparison.Ordinal) + "cursor=".Length)..];
            Assert.Contains($"continue with --cursor {cursor}", error.ToString(), StringComparison.Ordinal);
        }

        foreach (var ms in new[] { 0, 5, 20, 60, 150, 400, 1500 })
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(ms));
            using var output = new StringWriter();
            using var error = new StringWriter();
            var code = await Program.RunAsync(
                ["--server", server.Address, "--token-file", server.TokenFile, "watch", "--from-beginning", "--json"], output, error, cancel.Token);
            Assert.True(code == ExitCodes.Ok, $"interrupted after {ms} ms: exit {code}: {error}");
        }
    }

    /// <summary>Collects output (written from another thread) and cancels the command after enough lines.</summary>
    private sealed class LineCountingWriter(int lines, CancellationTokenSource cancel) : StringWriter
    {
        private readonly Lock gate = new();
        private int seen;

        public override void Write(char value) => Write(value.ToString());

        public override void Write(string? value)
        {
            bool enough;
            lock (gate)
            {
                base.Write(value);
                seen += (value ?? string.Empty).Count(c => c == '\n');
                enough = seen >= lines;
            }

            if (enough)
            {
                cancel.Cancel();
            }
        }

        public override void WriteLine(string? value) => Write(value + "\n");

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override string ToString()
        {
            lock (gate)
            {
                return GetStringBuilder().ToString();
            }
        }
    }
}
