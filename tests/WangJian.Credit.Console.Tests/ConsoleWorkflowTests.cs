using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Applications;

namespace WangJian.Credit.Console.Tests;

/// <summary>
/// The console's workflows that span roles, in the same real server and browser as <see cref="ConsoleTests"/>:
/// an operator applies for repair and a regulator decides it in the inbox; a signed PDF report issued from the
/// file verifies on the public page, and a tampered copy does not; an admin simulates a candidate policy and
/// publishes it, which a second admin approves. Every page is checked with axe and no request leaves loopback.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleWorkflowTests(ConsoleFixture server)
{
    /// <summary>The operator of the dev tokens (bound to this USCC).</summary>
    private const string DevOperator = "91330106673959654P";

    [Fact]
    public async Task SubmitAndDecide_ARepairApplication()
    {
        // Old enough to be repaired (a GENERAL decision: 6 months).
        var violationId = await RecordAsync(DevOperator, $"杭市监处罚〔2025〕{Random.Shared.Next(100_000)}号", DateTimeOffset.UtcNow.AddDays(-200));

        // An objection submitted three weeks ago on another operator: past its 10 working days, so overdue.
        var other = Pages.FreshUscc();
        var otherViolation = await RecordAsync(other, $"杭市监处罚〔2026〕{Random.Shared.Next(100_000)}号", DateTimeOffset.UtcNow.AddDays(-40));
        var calendar = server.Services.GetRequiredService<WorkingCalendar>();
        var submitted = DateTimeOffset.UtcNow.AddDays(-21);
        var late = new StoredApplication(
            ApplicationStore.NewId(submitted), ApplicationKind.Objection, other, otherViolation, false, "决定书送达有误", false, [], ["330100-SAMR"],
            "dev-operator", submitted, calendar.DueAt(submitted, ApplicationService.ReviewWorkingDays));
        Assert.True((await server.Services.GetRequiredService<ApplicationStore>().CreateAsync(late)).Created);

        // The operator applies from its own file, with one evidence file (only its digest is kept).
        await using var operatorContext = await server.NewContextAsync();
        var op = await server.SignInAsync(operatorContext, "operator");
        await op.WaitForURLAsync(new Regex("/console/file\\?id=" + DevOperator));
        await op.SelectOptionAsync("#apply-kind", "repair");
        await op.SelectOptionAsync("#apply-target", violationId);
        await op.FillAsync("#apply-statement", "已足额缴纳罚款并完成整改");
        await op.CheckAsync("#apply-commitment");
        var receipt = Encoding.UTF8.GetBytes("缴款凭证 " + violationId);
        await op.SetInputFilesAsync("#apply-evidence", new FilePayload { Name = "receipt.txt", MimeType = "text/plain", Buffer = receipt });
        await Pages.AssertAccessibleAsync(op);
        await op.ClickAsync("#apply-submit");
        await Assertions.Expect(op.Locator("#done")).ToContainTextAsync("app_");
        var applicationId = Regex.Match(await op.Locator("#done").TextContentAsync() ?? "", "app_[0-9a-f]+").Value;
        await Assertions.Expect(op.Locator($"#my-applications li[data-application='{applicationId}']")).ToContainTextAsync("待处理");

        // The same again: the open one is named.
        await op.SelectOptionAsync("#apply-target", violationId);
        await op.FillAsync("#apply-statement", "再次申请");
        await op.CheckAsync("#apply-commitment");
        await op.ClickAsync("#apply-submit");
        await Assertions.Expect(op.Locator("#error")).ToContainTextAsync(applicationId);

        // The regulator's inbox: by due date, the late one marked overdue; open the new one and approve it.
        await using var regulatorContext = await server.NewContextAsync();
        var regulator = await server.SignInAsync(regulatorContext, "regulator");
        await regulator.GotoAsync("/console/applications");
        var lateRow = regulator.Locator($"#applications tr[data-application='{late.ApplicationId}']");
        await Assertions.Expect(lateRow).ToHaveClassAsync("overdue");
        await Assertions.Expect(lateRow).ToContainTextAsync("已逾期");
        var row = regulator.Locator($"#applications tr[data-application='{applicationId}']");
        await Assertions.Expect(row).Not.ToHaveClassAsync("overdue");
        var rows = await regulator.Locator("#applications tbody tr").EvaluateAllAsync<string[]>("rs => rs.map(r => r.getAttribute('data-application'))");
        Assert.True(Array.IndexOf(rows, late.ApplicationId) < Array.IndexOf(rows, applicationId), "sooner due first");
        await Pages.AssertAccessibleAsync(regulator);
        await row.Locator("a").ClickAsync();
        await Assertions.Expect(regulator.Locator("#opened")).ToHaveAttributeAsync("data-application", applicationId);
        await Assertions.Expect(regulator.Locator("#opened")).ToContainTextAsync(Convert.ToHexStringLower(SHA256.HashData(receipt)));
        await Pages.AssertAccessibleAsync(regulator);
        await Pages.ScreenshotAsync(regulator, "applications-inbox");
        await regulator.FillAsync("#decide-reason", "材料齐全，同意修复");
        await regulator.ClickAsync("#approve");
        await Assertions.Expect(regulator.Locator("#opened-state")).ToHaveTextAsync("已同意");
        await Assertions.Expect(regulator.Locator("#done")).ToContainTextAsync(applicationId);

        // Applied like any repair: the violation is REPAIRED in the history, by the deciding regulator.
        await regulator.GotoAsync("/console/file?id=" + DevOperator);
        var repaired = regulator.Locator($"#history li[data-violation='{violationId}']");
        await Assertions.Expect(repaired.Locator(".state").First).ToHaveAttributeAsync("data-state", "Repaired");
        await Assertions.Expect(repaired).ToContainTextAsync(applicationId);

        // The operator sees it decided (no longer open).
        await op.ReloadAsync();
        Assert.Equal(0, await op.Locator($"#my-applications li[data-application='{applicationId}']").CountAsync());
        Assert.Empty(server.Escaped);
    }

    [Fact]
    public async Task VerifyAReport_ByUpload()
    {
        var operatorId = Pages.FreshUscc();
        await RecordAsync(operatorId, $"杭市监处罚〔2026〕{Random.Shared.Next(100_000)}号", DateTimeOffset.UtcNow.AddDays(-40));

        // A platform issues the signed PDF from the file.
        await using var staff = await server.NewContextAsync();
        var page = await server.SignInAsync(staff, "platform");
        await page.GotoAsync("/console/file?id=" + operatorId);
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#report-download"));
        var pdf = await File.ReadAllBytesAsync((await download.PathAsync())!);
        Assert.StartsWith("%PDF", Encoding.ASCII.GetString(pdf, 0, 4));
        Assert.EndsWith(".pdf", download.SuggestedFilename, StringComparison.Ordinal);
        var number = Regex.Match(download.SuggestedFilename, "^(WJR-[0-9]{8}-[0-9A-F]+)\\.pdf$").Groups[1].Value;
        Assert.NotEmpty(number);

        // Anyone, not signed in, uploads it: valid, and what was checked is shown.
        await using var anonymous = await server.NewContextAsync();
        var check = await anonymous.NewPageAsync();
        await check.GotoAsync("/verify");
        await Pages.AssertAccessibleAsync(check);
        await check.SetInputFilesAsync("#upload", new FilePayload { Name = "report.pdf", MimeType = "application/pdf", Buffer = pdf });
        await check.ClickAsync("#verify-upload");
        await Assertions.Expect(check.Locator("#verdict")).ToHaveAttributeAsync("data-verdict", "VALID");
        await Assertions.Expect(check.Locator("#checks li[data-check=trailer]")).ToContainTextAsync(number);
        await Assertions.Expect(check.Locator("#checks li[data-check=signature]")).ToContainTextAsync("签名与密钥");
        await Assertions.Expect(check.Locator("#checks li[data-check=signature]")).Not.ToContainTextAsync("不符");
        await Assertions.Expect(check.Locator("#verified-number")).ToHaveTextAsync(number);
        await Pages.AssertAccessibleAsync(check);
        await Pages.ScreenshotAsync(check, "report-verification");

        // One byte changed inside the signed part: the digest and the signature no longer match.
        var tampered = (byte[])pdf.Clone();
        tampered[tampered.Length / 2] ^= 0x01;
        await check.SetInputFilesAsync("#upload", new FilePayload { Name = "report.pdf", MimeType = "application/pdf", Buffer = tampered });
        await check.ClickAsync("#verify-upload");
        await Assertions.Expect(check.Locator("#verdict")).ToHaveAttributeAsync("data-verdict", "ALTERED");
        await Assertions.Expect(check.Locator("#checks li[data-check=signature]")).ToContainTextAsync("不符");

        // By number and digest, as PublicService.VerifyCreditReport: valid, altered, unknown, and a bad digest refused by field.
        var sha = Convert.ToHexStringLower(SHA256.HashData(pdf));
        await TypedAsync(check, number, sha, "VALID");
        await TypedAsync(check, number, Convert.ToHexStringLower(SHA256.HashData(tampered)), "ALTERED");
        await TypedAsync(check, "WJR-20000101-000000000000", sha, "UNKNOWN");
        await check.FillAsync("#number", number);
        await check.FillAsync("#sha256", "abc");
        await check.ClickAsync("#verify-typed");
        await Assertions.Expect(check.Locator("#err-sha256")).ToContainTextAsync("64 hex digits");
        await Pages.AssertAccessibleAsync(check);
        Assert.Empty(server.Escaped);
    }

    [Fact]
    public async Task Policy_SimulateAndPublish_ApprovedByASecondAdmin()
    {
        // An operator at 85 (grade B): a candidate that raises B's lower bound to 88 moves it to C.
        var operatorId = Pages.FreshUscc();
        await RecordAsync(operatorId, $"杭市监处罚〔2026〕{Random.Shared.Next(100_000)}号", DateTimeOffset.UtcNow.AddDays(-40));
        using var http = Client("admin");
        var list = await http.GetFromJsonAsync<JsonElement>("/v1/policies");
        var current = list.GetProperty("currentVersion").GetString()!;
        var published = await http.GetFromJsonAsync<JsonElement>("/v1/policies/" + Uri.EscapeDataString(current));
        var document = JsonNode.Parse(published.GetProperty("document").GetString()!)!;
        var version = $"2027.t{Random.Shared.Next(1_000_000)}";
        document["version"] = version;
        document["grades"]!["b"] = 88;
        var candidate = document.ToJsonString();

        await using var first = await server.NewContextAsync();
        var admin = await server.SignInAsync(first, "admin");
        await admin.GotoAsync("/console/policies");
        await Assertions.Expect(admin.Locator($"#versions tr[data-version='{current}']")).ToContainTextAsync("现行");
        await Pages.AssertAccessibleAsync(admin);
        await admin.ClickAsync("#simulate-link");

        // A document that drops an offense: every error by entry, as ValidatePolicy gives them.
        var broken = JsonNode.Parse(candidate)!;
        var offenses = broken["offenses"]!.AsArray();
        var dropped = offenses[0]!["code"]!.GetValue<string>();
        offenses.RemoveAt(0);
        await admin.FillAsync("#document", broken.ToJsonString());
        await admin.ClickAsync("#simulate-submit");
        await Assertions.Expect(admin.Locator("#validation-errors")).ToContainTextAsync($"{dropped} is missing");
        await Pages.AssertAccessibleAsync(admin);

        // The candidate uploaded: the grade transitions as a heat map (and its table), B → C among them.
        await admin.FillAsync("#document", "");
        await admin.SetInputFilesAsync("#upload", new FilePayload { Name = "candidate.json", MimeType = "application/json", Buffer = Encoding.UTF8.GetBytes(candidate) });
        await admin.ClickAsync("#simulate-submit");
        await Assertions.Expect(admin.Locator("#transition-chart[data-rendered=true]")).ToHaveCountAsync(1);
        await Assertions.Expect(admin.Locator("#histogram-chart[data-rendered=true]")).ToHaveCountAsync(1);
        Assert.True(long.Parse(await admin.Locator("#transitions td[data-from=B][data-to=C]").TextContentAsync() ?? "0") >= 1);
        var heat = await admin.EvaluateAsync<JsonElement>("() => echarts.getInstanceByDom(document.getElementById('transition-chart')).getOption().series[0]");
        Assert.Equal("heatmap", heat.GetProperty("type").GetString());
        Assert.Contains(heat.GetProperty("data").EnumerateArray(), c => c[0].GetInt32() == 2 && c[1].GetInt32() == 1 && c[2].GetInt64() >= 1);
        await Pages.AssertAccessibleAsync(admin);
        await Pages.ScreenshotAsync(admin, "policy-simulation");

        // Publish from the day after tomorrow: under four-eyes a pending approval, not yet a version.
        await admin.ClickAsync("#publish-submit");
        await Assertions.Expect(admin.Locator("#done")).ToContainTextAsync("apr_");
        var approvalId = Regex.Match(await admin.Locator("#done").TextContentAsync() ?? "", "apr_[0-9a-f]+").Value;
        await admin.GotoAsync("/console/policies");
        Assert.Equal(0, await admin.Locator($"#versions tr[data-version='{version}']").CountAsync());

        // The proposer cannot approve its own publication; a second admin does, in the approvals inbox.
        await admin.GotoAsync("/console/approvals");
        var own = admin.Locator($"#pending tr[data-approval='{approvalId}']");
        await own.Locator("input[name=reason]").FillAsync("自己批准");
        await own.Locator("button.approve").ClickAsync();
        await Assertions.Expect(admin.Locator("#error")).Not.ToBeEmptyAsync();

        await using var second = await server.NewContextAsync();
        var approver = await server.SignInAsync(second, "admin-2");
        await approver.GotoAsync("/console/approvals");
        var row = approver.Locator($"#pending tr[data-approval='{approvalId}']");
        await Assertions.Expect(row).ToContainTextAsync(version);
        await row.Locator("input[name=reason]").FillAsync("模拟结果已复核");
        await row.Locator("button.approve").ClickAsync();
        await Assertions.Expect(approver.Locator("#done")).ToContainTextAsync("Approved");

        // Published: listed as scheduled, the diff against the version in force shows the band, its rules read.
        await approver.GotoAsync("/console/policies");
        var published2 = approver.Locator($"#versions tr[data-version='{version}']");
        await Assertions.Expect(published2.Locator("td[data-rollout]")).ToHaveAttributeAsync("data-rollout", "Scheduled");
        await approver.SelectOptionAsync("#from", current);
        await approver.SelectOptionAsync("#to", version);
        await approver.ClickAsync("#diff-submit");
        await Assertions.Expect(approver.Locator("#diff")).ToContainTextAsync("grades.b");
        await Assertions.Expect(approver.Locator("#diff")).ToContainTextAsync("88");
        await Pages.AssertAccessibleAsync(approver);
        await approver.GotoAsync("/console/policy?v=" + Uri.EscapeDataString(version));
        await Assertions.Expect(approver.Locator("#grades")).ToContainTextAsync("B ≥ 88");
        await Pages.AssertAccessibleAsync(approver);

        // A regulator reads the versions but cannot simulate or publish.
        await using var third = await server.NewContextAsync();
        var regulator = await server.SignInAsync(third, "regulator");
        await regulator.GotoAsync("/console/policies");
        Assert.Equal(0, await regulator.Locator("#simulate-link").CountAsync());
        var response = await regulator.GotoAsync("/console/simulate");
        Assert.Equal(403, response!.Status);
        Assert.Empty(server.Escaped);
    }

    private static async Task TypedAsync(IPage page, string number, string sha, string verdict)
    {
        await page.FillAsync("#number", number);
        await page.FillAsync("#sha256", sha);
        await page.ClickAsync("#verify-typed");
        await Assertions.Expect(page.Locator("#verdict")).ToHaveAttributeAsync("data-verdict", verdict);
    }

    private HttpClient Client(string token)
    {
        var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", server.Tokens[token]);
        return http;
    }

    /// <summary>Records one GENERAL fake-review decision over REST/JSON and answers its violation id.</summary>
    private async Task<string> RecordAsync(string op, string decision, DateTimeOffset decidedAt)
    {
        using var http = Client("regulator");
        var response = await http.PostAsJsonAsync($"/v1/operators/{op}/violations", new
        {
            offenseCode = "FAKE_REVIEW_ORGANIZING",
            severity = "SEVERITY_GENERAL",
            decisionNumber = decision,
            authorityCode = "330100-SAMR",
            authorityName = "杭州市市场监督管理局",
            decidedAt = decidedAt.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            fineFen = 5_000_000,
            penaltyKinds = new[] { "PENALTY_KIND_FINE" },
            description = "组织虚假交易、空包刷单",
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("violation").GetProperty("violationId").GetString()!;
    }
}
