using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace WangJian.Credit.Console.Tests;

/// <summary>
/// The console in a real browser against a real server: each role sees its pages only, a violation
/// recorded through the form moves score, grade and chart, a revocation needs a second regulator, the
/// public pages need no sign-in, the language switches, sessions expire and sign out. Every page visited
/// is checked with axe (no serious or critical violation) and no request leaves the machine.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleTests(ConsoleFixture server)
{
    [Fact]
    public async Task Public_SearchBlacklistAndLanguage_WithoutSigningIn()
    {
        var op = Pages.FreshUscc();
        var decision = $"杭市监处罚〔2026〕{Random.Shared.Next(100_000)}号";
        await RecordAsync(op, decision);

        await using var context = await server.NewContextAsync();
        var page = await context.NewPageAsync();

        // As you type: the server's own GB 32100 message for a wrong check character.
        await page.GotoAsync("/");
        await page.FillAsync("#q", op[..17] + (op[17] == '0' ? '1' : '0'));
        await Assertions.Expect(page.Locator("#q-message")).ToContainTextAsync("GB 32100-2015 requires");

        await page.GotoAsync("/?q=" + op);
        await Assertions.Expect(page.Locator("#public-decisions")).ToContainTextAsync(decision);
        await Assertions.Expect(page.Locator("#public-listing")).ToContainTextAsync("未列入");
        await Pages.AssertAccessibleAsync(page);
        await Pages.ScreenshotAsync(page, "public-search");

        await page.SelectOptionAsync("#lang-select", "en");
        await page.ClickAsync("#lang-switch");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Public credit information of operators");
        Assert.Equal("en", await page.GetAttributeAsync("html", "lang"));
        await Assertions.Expect(page.Locator("#public-decisions")).ToContainTextAsync(decision);
        await Pages.AssertAccessibleAsync(page);

        await page.GotoAsync("/blacklist?region=33");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Serious illegal and dishonest list");
        await Pages.AssertAccessibleAsync(page);

        await page.SelectOptionAsync("#lang-select", "zh-CN");
        await page.ClickAsync("#lang-switch");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("严重违法失信名单");
        Assert.Empty(server.Escaped);
    }

    [Fact]
    public async Task Regulator_RecordsThroughTheForm_AndSeesScoreGradeAndChartChange()
    {
        var op = Pages.FreshUscc();
        await using var context = await server.NewContextAsync();
        var page = await server.SignInAsync(context, "regulator");
        await Pages.AssertAccessibleAsync(page);

        await page.FillAsync("#uscc", op);
        await Assertions.Expect(page.Locator("#uscc-message")).ToContainTextAsync("✓");
        await page.ClickAsync("#search-submit");
        await Assertions.Expect(page.Locator("#score")).ToHaveTextAsync("100");
        await Assertions.Expect(page.Locator("#grade")).ToHaveTextAsync("A");
        var before = await ChartAsync(page);
        Assert.All(before.GetProperty("past").EnumerateArray(), p => Assert.Equal(100m, p[1].GetDecimal()));

        await page.ClickAsync("#record-link");
        await Pages.AssertAccessibleAsync(page);

        // The API's own validation, beside each field: no decision number, a decision date in the future.
        await page.SelectOptionAsync("#offense", "FAKE_REVIEW_ORGANIZING");
        await page.SelectOptionAsync("#severity", "General");
        await page.FillAsync("#authority-code", "330100-SAMR");
        await page.FillAsync("#authority-name", "杭州市市场监督管理局");
        await page.FillAsync("#decided", DateTime.UtcNow.AddDays(30).ToString("yyyy-MM-dd"));
        await page.ClickAsync("#record-submit");
        await Assertions.Expect(page.Locator("#err-decision_number")).ToContainTextAsync("decision_number is required");
        await Assertions.Expect(page.Locator("#err-decided_at")).Not.ToBeEmptyAsync();
        await Pages.AssertAccessibleAsync(page);

        var decision = $"杭市监处罚〔2026〕{Random.Shared.Next(100_000)}号";
        await page.FillAsync("#decision", decision);
        await page.FillAsync("#decided", DateTime.UtcNow.AddDays(-40).ToString("yyyy-MM-dd"));
        await page.FillAsync("#fine", "50000");
        await page.CheckAsync("input[name=PenaltyKinds][value=Fine]");
        await page.FillAsync("#description", "组织虚假交易、空包刷单");
        await page.ClickAsync("#record-submit");

        await page.WaitForURLAsync(new Regex("/console/file\\?id=" + op));
        await Assertions.Expect(page.Locator("#score")).ToHaveTextAsync("85");
        await Assertions.Expect(page.Locator("#grade")).ToHaveTextAsync("B");
        await Assertions.Expect(page.Locator("#deductions")).ToContainTextAsync(decision);
        await Assertions.Expect(page.Locator("#history")).ToContainTextAsync("dev-regulator");
        await Assertions.Expect(page.Locator("#score-chart[data-rendered=true]")).ToHaveCountAsync(1);
        var after = await ChartAsync(page);
        var past = after.GetProperty("past").EnumerateArray().ToArray();
        Assert.Equal(100m, past[0][1].GetDecimal());
        Assert.Equal(85m, past[^1][1].GetDecimal());
        // Forward, the path to repair climbs back (the deduction ages out) when nothing new is recorded.
        Assert.Equal(100m, after.GetProperty("forward").EnumerateArray().Last()[1].GetDecimal());
        // The "now" marker: a vertical line drawn at the file's instant, after the past and where the path to repair starts.
        var now = after.GetProperty("now").GetInt64();
        var marker = await page.EvaluateAsync<JsonElement>("() => echarts.getInstanceByDom(document.getElementById('score-chart')).getOption().series[1].markLine.data[0]");
        Assert.Equal(now, (long)marker.GetProperty("xAxis").GetDouble());
        Assert.Equal("现在", marker.GetProperty("name").GetString());
        Assert.True(past[^1][0].GetInt64() <= now && now <= after.GetProperty("forward")[0][0].GetInt64());
        await Assertions.Expect(page.Locator("#score-chart")).ToHaveAttributeAsync("data-now", now.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Pages.AssertAccessibleAsync(page);
        await Pages.ScreenshotAsync(page, "credit-file");
        await Pages.ScreenshotAsync(page, "score-chart", "#score-chart");

        // Repair too early: refused with the reason, nothing changes.
        await page.Locator("#history li form:has(button.repair) input[name=reason]").FillAsync("信用修复申请");
        await page.ClickAsync("#history li button.repair");
        await Assertions.Expect(page.Locator("#error")).Not.ToBeEmptyAsync();
        await Assertions.Expect(page.Locator("#score")).ToHaveTextAsync("85");

        // A phone's width: the file still reads, and axe still passes.
        await using var phone = await server.NewContextAsync(phone: true);
        var small = await server.SignInAsync(phone, "regulator");
        await small.GotoAsync("/console/file?id=" + op);
        await Assertions.Expect(small.Locator("#grade")).ToHaveTextAsync("B");
        await Pages.AssertAccessibleAsync(small);
        Assert.Empty(server.Escaped);
    }

    [Fact]
    public async Task Revocation_ProposedByOneRegulator_IsAppliedWhenAnotherApproves()
    {
        var op = Pages.FreshUscc();
        await RecordAsync(op, $"杭市监处罚〔2026〕{Random.Shared.Next(100_000)}号");

        await using var first = await server.NewContextAsync();
        var proposer = await server.SignInAsync(first, "regulator");
        await proposer.GotoAsync("/console/file?id=" + op);
        await Assertions.Expect(proposer.Locator("#score")).ToHaveTextAsync("85");
        await proposer.Locator("#history li form:has(button.revoke) input[name=reason]").FillAsync("行政复议撤销");
        await proposer.ClickAsync("#history li button.revoke");
        await Assertions.Expect(proposer.Locator("#done")).ToContainTextAsync("已提交复核");
        await Assertions.Expect(proposer.Locator("#history .state")).ToHaveAttributeAsync("data-state", "Active");
        await Assertions.Expect(proposer.Locator("#score")).ToHaveTextAsync("85");

        // The proposer cannot be its own second person.
        await proposer.GotoAsync("/console/approvals");
        var mine = proposer.Locator($"#pending tr:has(a:text('{op}'))");
        await mine.Locator("input[name=reason]").FillAsync("自己批准");
        await mine.Locator("button.approve").ClickAsync();
        await Assertions.Expect(proposer.Locator("#error")).Not.ToBeEmptyAsync();

        await using var second = await server.NewContextAsync();
        var approver = await server.SignInAsync(second, "regulator-2");
        await approver.GotoAsync("/console/approvals");
        var row = approver.Locator($"#pending tr:has(a:text('{op}'))");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Pages.AssertAccessibleAsync(approver);
        await Pages.ScreenshotAsync(approver, "approvals-inbox");
        await row.Locator("input[name=reason]").FillAsync("复核同意撤销");
        await row.Locator("button.approve").ClickAsync();
        await Assertions.Expect(approver.Locator("#done")).ToContainTextAsync("Approved");

        await approver.GotoAsync("/console/file?id=" + op);
        await Assertions.Expect(approver.Locator("#history .state")).ToHaveAttributeAsync("data-state", "Revoked");
        await Assertions.Expect(approver.Locator("#score")).ToHaveTextAsync("100");
        await Assertions.Expect(approver.Locator("#history")).ToContainTextAsync("dev-regulator-2");
        Assert.Empty(server.Escaped);
    }

    [Fact]
    public async Task EachRole_SeesOnlyItsPages()
    {
        var op = Pages.FreshUscc();
        await RecordAsync(op, $"杭市监处罚〔2026〕{Random.Shared.Next(100_000)}号");

        // A platform reads credit but cannot open the record form, even by URL.
        await using (var context = await server.NewContextAsync())
        {
            var page = await server.SignInAsync(context, "platform");
            Assert.Equal(0, await page.Locator("nav a[href='/console/approvals']").CountAsync());
            await page.GotoAsync("/console/file?id=" + op);
            await Assertions.Expect(page.Locator("#score")).ToHaveTextAsync("85");
            Assert.Equal(0, await page.Locator("#record-link, #history").CountAsync());
            var response = await page.GotoAsync("/console/record?id=" + op);
            Assert.Contains("/console/denied", page.Url, StringComparison.Ordinal);
            Assert.Equal(403, response!.Status);
            await Pages.AssertAccessibleAsync(page);
        }

        // An agency officer checks an operator before an approval; the answer is stored.
        await using (var context = await server.NewContextAsync())
        {
            var page = await server.SignInAsync(context, "agency:NDRC");
            await page.GotoAsync("/console/check");
            await page.FillAsync("#operator", op);
            await page.SelectOptionAsync("#matter", "GOV_FUNDING");
            await page.ClickAsync("#check-submit");
            await Assertions.Expect(page.Locator("#decision")).Not.ToBeEmptyAsync();
            await Pages.AssertAccessibleAsync(page);
            await page.GotoAsync("/console/access");
            Assert.Contains("/console/denied", page.Url, StringComparison.Ordinal);
        }

        // Staff see the check in the log and the joint-punishment overview.
        await using (var context = await server.NewContextAsync())
        {
            var page = await server.SignInAsync(context, "admin");
            await page.GotoAsync("/console/checks?operator=" + op);
            await Assertions.Expect(page.Locator("#checks")).ToContainTextAsync("NDRC");
            await Pages.AssertAccessibleAsync(page);
            await page.GotoAsync("/console/punishment");
            await Assertions.Expect(page.Locator("#notice-chart[data-rendered=true]")).ToHaveCountAsync(1);
            await Pages.AssertAccessibleAsync(page);
            await page.GotoAsync("/console/blacklist");
            await Pages.AssertAccessibleAsync(page);
            await page.GotoAsync("/console/record?id=" + op);
            Assert.Contains("/console/denied", page.Url, StringComparison.Ordinal);
        }

        // An auditor reads who looked at the file, and nothing of the file itself.
        await using (var context = await server.NewContextAsync())
        {
            var page = await server.SignInAsync(context, "auditor");
            await page.GotoAsync("/console/access?operator=" + op);
            await Assertions.Expect(page.Locator("#access")).ToContainTextAsync("console/File");
            await Assertions.Expect(page.Locator("#access")).ToContainTextAsync("dev-platform");
            await Pages.AssertAccessibleAsync(page);
            await page.GotoAsync("/console/file?id=" + op);
            Assert.Contains("/console/denied", page.Url, StringComparison.Ordinal);
        }

        // An operator has one file, its own.
        await using (var context = await server.NewContextAsync())
        {
            var page = await server.SignInAsync(context, "operator");
            await page.WaitForURLAsync(new Regex("/console/file\\?id=91330106673959654P"));
            await page.GotoAsync("/console/file?id=" + op);
            Assert.Contains("/console/denied", page.Url, StringComparison.Ordinal);
        }

        Assert.Empty(server.Escaped);
    }

    [Fact]
    public async Task Session_ExpiresWhenIdle_AndEndsAtSignOut()
    {
        await using var context = await server.NewContextAsync();
        var page = await server.SignInAsync(context, "admin");
        var cookie = (await context.CookiesAsync()).Single(c => c.Name == "wj_console");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);

        server.SessionClock.Advance(TimeSpan.FromMinutes(31));
        await page.GotoAsync("/console/approvals");
        Assert.Contains("/console/signin", page.Url, StringComparison.Ordinal);

        page = await server.SignInAsync(context, "admin");
        await page.ClickAsync("#sign-out");
        await page.WaitForURLAsync(new Regex("signedOut=true"));
        await Pages.AssertAccessibleAsync(page);
        await page.GotoAsync("/console/approvals");
        Assert.Contains("/console/signin", page.Url, StringComparison.Ordinal);

        // A token that is not known signs nobody in.
        await page.FillAsync("#token", "not-a-token");
        await page.ClickAsync("#signin-submit");
        await Assertions.Expect(page.Locator(".error")).Not.ToBeEmptyAsync();
        Assert.Empty(server.Escaped);
    }

    private static async Task<JsonElement> ChartAsync(IPage page) =>
        JsonDocument.Parse(await page.Locator("#score-data").TextContentAsync() ?? "{}").RootElement;

    /// <summary>Records one GENERAL fake-review decision over REST/JSON, as any client would.</summary>
    private async Task RecordAsync(string op, string decision)
    {
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", server.Tokens["regulator"]);
        var response = await http.PostAsJsonAsync($"/v1/operators/{op}/violations", new
        {
            offenseCode = "FAKE_REVIEW_ORGANIZING",
            severity = "SEVERITY_GENERAL",
            decisionNumber = decision,
            authorityCode = "330100-SAMR",
            authorityName = "杭州市市场监督管理局",
            decidedAt = DateTimeOffset.UtcNow.AddDays(-40).ToString("yyyy-MM-ddTHH:mm:ssZ"),
            fineFen = 5_000_000,
            penaltyKinds = new[] { "PENALTY_KIND_FINE" },
            description = "组织虚假交易、空包刷单",
        });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
