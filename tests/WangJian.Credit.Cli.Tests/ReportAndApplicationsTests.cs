namespace WangJian.Credit.Cli.Tests;

/// <summary><c>wjcredit report</c>, <c>verify</c>, <c>applications</c> and <c>file</c> against the real server.</summary>
[Collection(CliServerCollection.Name)]
public sealed class ReportAndApplicationsTests(CliServerFixture server)
{
    /// <summary>Listed by the sample file (a heavier penalty for counterfeit goods).</summary>
    private const string Listed = "9135020354CRT90CAK";

    [Fact]
    public async Task Report_WritesASignedPdf_ThatVerifies_AndAChangedByteDoesNot()
    {
        var pdf = Path.Combine(server.WorkDir, $"report-{Guid.NewGuid():N}.pdf");

        var issued = await server.RunAsync("platform", "report", Listed, "--pdf", pdf);

        Assert.True(issued.ExitCode == ExitCodes.Ok, issued.ToString());
        Assert.StartsWith("%PDF-", File.ReadAllText(pdf)[..5], StringComparison.Ordinal);
        var valid = await server.RunAsync(null, "verify", pdf);
        Assert.True(valid.ExitCode == ExitCodes.Ok, valid.ToString());
        Assert.Contains($"VALID: operator {Listed}, grade D", valid.Out, StringComparison.Ordinal);
        Assert.Contains("Signature   valid", valid.Out, StringComparison.Ordinal);

        var bytes = await File.ReadAllBytesAsync(pdf);
        bytes[bytes.Length / 3] ^= 0x20;
        await File.WriteAllBytesAsync(pdf, bytes);
        var altered = await server.RunAsync(null, "verify", pdf);
        Assert.Equal(ExitCodes.NotFoundOrPrecondition, altered.ExitCode);
        Assert.Contains("ALTERED", altered.Out, StringComparison.Ordinal);
        Assert.Contains("DOES NOT MATCH", altered.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task File_ShowsTheOperatorsPathToRepair_AndApplicationsListsTheInbox()
    {
        var file = await server.RunAsync("operator", "file", "91330106673959654P");
        Assert.True(file.ExitCode == ExitCodes.Ok, file.ToString());
        Assert.Contains("Path to repair", file.Out, StringComparison.Ordinal);

        var other = await server.RunAsync("operator", "file", Listed);
        Assert.Equal(ExitCodes.Denied, other.ExitCode);

        var inbox = await server.RunAsync("regulator", "applications", "list", "--overdue");
        Assert.True(inbox.ExitCode == ExitCodes.Ok, inbox.ToString());
        Assert.Contains("overdue in your scope", inbox.Out, StringComparison.Ordinal);

        var missing = await server.RunAsync("regulator", "applications", "reject", "app_none", "--reason", "材料不足");
        Assert.Equal(ExitCodes.NotFoundOrPrecondition, missing.ExitCode);
        var usage = await server.RunAsync("regulator", "applications", "list", "--state", "MAYBE");
        Assert.Equal(ExitCodes.Usage, usage.ExitCode);
    }
}
