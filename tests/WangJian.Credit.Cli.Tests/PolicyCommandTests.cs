using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace WangJian.Credit.Cli.Tests;

/// <summary>
/// <c>wjcredit policy</c> against a server of its own (a published version changes scoring for everyone),
/// with samples/violations.csv imported and four-eyes on by default.
/// </summary>
public sealed partial class PolicyCommandTests(CliServerFixture server) : IClassFixture<CliServerFixture>
{
    private static readonly string Shipped = File.ReadAllText(Path.Combine(ServerProcess.RepositoryRoot(), "rules", "policy", "policy.json"));

    [Fact]
    public async Task List_ShowsTheInitialVersionInForce()
    {
        var table = await server.RunAsync(null, "policy", "list");
        Assert.True(table.ExitCode == ExitCodes.Ok, table.ToString());
        Assert.Contains("2019.1 (now)", table.Out, StringComparison.Ordinal);
        Assert.Contains("initial version", table.Out, StringComparison.Ordinal);

        var json = await server.RunAsync("auditor", "policy", "list", "--json");
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal("2019.1", doc.RootElement.GetProperty("currentVersion").GetString());
    }

    [Fact]
    public async Task Validate_ValidFileExitsZero_BrokenFileNamesEachErrorAndExitsThree()
    {
        var ok = await server.RunAsync(null, "policy", "validate", Path.Combine(ServerProcess.RepositoryRoot(), "rules", "policy", "policy.json"));
        Assert.True(ok.ExitCode == ExitCodes.Ok, ok.ToString());
        Assert.Contains("valid, version 2019.1 (already published", ok.Out, StringComparison.Ordinal);

        var broken = Write("broken.json", Edited("2026.broken", d =>
        {
            d["grades"]!["a"] = 30;
            d["offenses"]![1]!["points"] = new JsonArray(40, 20, 8, 4);
        }));
        var bad = await server.RunAsync("regulator", "policy", "validate", broken);
        Assert.True(bad.ExitCode == ExitCodes.InvalidArgument, bad.ToString());
        Assert.Contains("offenses[1] (FAKE_REVIEW)", bad.Out, StringComparison.Ordinal);
        Assert.Matches(@"broken\.json: [2-9] error\(s\)", bad.Out);
    }

    [Fact]
    public async Task Simulate_DoubledPoints_TablesAndChartAgreeWithTheJsonReport()
    {
        var file = Write("doubled.json", Edited("2026.doubled", d =>
        {
            var o = d["offenses"]!.AsArray().Single(x => (string?)x!["code"] == "FALSE_PROMOTION")!;
            o["points"] = new JsonArray(o["points"]!.AsArray().Select(p => (JsonNode?)JsonValue.Create(Math.Min(100m, (decimal)p! * 2))).ToArray());
        }));
        var json = await server.RunAsync(null, "policy", "simulate", file, "--json");
        Assert.True(json.ExitCode == ExitCodes.Ok, json.ToString());
        using var report = JsonDocument.Parse(json.Out);
        var changed = long.Parse(report.RootElement.GetProperty("operatorsChanged").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(changed > 0, json.Out);

        var text = await server.RunAsync(null, "policy", "simulate", file);
        Assert.True(text.ExitCode == ExitCodes.Ok, text.ToString());
        Assert.Contains("2019.1 (in force) → 2026.doubled", text.Out, StringComparison.Ordinal);
        Assert.Equal(changed, long.Parse(ChangedLine().Match(text.Out).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("Grade transitions", text.Out, StringComparison.Ordinal);
        Assert.Contains("Operators that change, by transition", text.Out, StringComparison.Ordinal);
        Assert.Contains("Check replay", text.Out, StringComparison.Ordinal);

        var same = await server.RunAsync(null, "policy", "simulate", Path.Combine(ServerProcess.RepositoryRoot(), "rules", "policy", "policy.json"));
        Assert.Contains(" 0 change grade or listing", same.Out, StringComparison.Ordinal);
        Assert.Contains("No operator changes grade or listing.", same.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_WaitsForASecondAdmin_ThenListedAsScheduled()
    {
        var document = Edited("2030.1", _ => { });
        var file = Write("next.json", document);
        var proposed = await server.RunAsync(null, "policy", "publish", file, "--effective", "2030-01-01");
        Assert.True(proposed.ExitCode == ExitCodes.Ok, proposed.ToString());
        var id = ApprovalId().Match(proposed.Out).Value;
        Assert.StartsWith("apr_", id, StringComparison.Ordinal);
        Assert.DoesNotContain("2030.1", (await server.RunAsync(null, "policy", "list")).Out, StringComparison.Ordinal);

        var self = await server.RunAsync("admin", "approvals", "approve", id, "--reason", "mine");
        Assert.Equal(ExitCodes.Denied, self.ExitCode);
        var approved = await server.RunAsync("admin-2", "approvals", "approve", id, "--reason", "simulation reviewed");
        Assert.True(approved.ExitCode == ExitCodes.Ok, approved.ToString());
        Assert.Contains("publish policy 2030.1", approved.Out, StringComparison.Ordinal);

        var shown = await server.RunAsync(null, "policy", "show", "2030.1");
        Assert.Contains("Rollout     scheduled", shown.Out, StringComparison.Ordinal);
        Assert.Contains("In force    2030-01-01 00:00 +08:00", shown.Out, StringComparison.Ordinal);
        var raw = await server.RunAsync(null, "policy", "show", "2030.1", "--document");
        Assert.Equal(document, raw.Out);

        var again = await server.RunAsync(null, "policy", "publish", file, "--effective", "2031-01-01");
        Assert.Equal(ExitCodes.NotFoundOrPrecondition, again.ExitCode);
        Assert.Contains("ALREADY_EXISTS", again.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_UsageErrors_ExitTwo()
    {
        var file = Write("usage.json", Edited("2026.usage", _ => { }));
        Assert.Equal(ExitCodes.Usage, (await server.RunAsync(null, "policy", "publish", file)).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await server.RunAsync(null, "policy", "publish", file, "--effective", "soon")).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await server.RunAsync(null, "policy", "validate", Path.Combine(server.WorkDir, "missing.json"))).ExitCode);
    }

    private static string Edited(string version, Action<JsonObject> edit)
    {
        var doc = JsonNode.Parse(Shipped, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!.AsObject();
        doc["version"] = version;
        edit(doc);
        return doc.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(server.WorkDir, name);
        File.WriteAllText(path, content);
        return path;
    }

    [GeneratedRegex(@"Operators\s+[\d,]+ assessed, ([\d,]+) change grade or listing")]
    private static partial Regex ChangedLine();

    [GeneratedRegex(@"apr_[0-9a-f]+")]
    private static partial Regex ApprovalId();
}
