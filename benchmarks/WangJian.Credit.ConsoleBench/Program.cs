// The console's credit file of an operator with 100 violations: time to render the page (loopback round
// trip of GET /console/file, an upper bound of server time) and, in-process, the file's data and chart
// series alone (OperatorFiles.GetAsync: one history read, the series computed from it).
//
//   dotnet run -c Release --project benchmarks/WangJian.Credit.ConsoleBench [-- violations rounds]
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using WangJian.Credit.Domain;
using WangJian.Credit.Server;
using WangJian.Credit.Server.UseCases;
using WangJian.Credit.Server.Auth;

var violations = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50;
var dataDir = Path.Combine(Path.GetTempPath(), "wj-console-bench", Guid.NewGuid().ToString("N"));
var app = await ServerHost.BuildAsync(
[
    "--urls", "http://127.0.0.1:0", "--Http:Urls", "http://127.0.0.1:0", "--Storage:DataDir", dataDir,
    "--Orleans:SiloPort", "0", "--Observability:MetricsUrl", "", "--Logging:LogLevel:Default", "Warning",
]);
await app.StartAsync();
try
{
    var baseUrl = app.Services.GetRequiredService<WangJian.Credit.Server.Http.Listeners>().HttpUrls[0];
    var tokens = JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(Path.Combine(dataDir, "dev-tokens.json")))!;

    // One operator, `violations` decisions over the last five years (every offense family, mixed
    // severities), recorded over REST/JSON like any client.
    var body = "913301001234567" + "89";
    var op = string.Concat(body.AsSpan(0, 17), Uscc.CheckCharacter(body.AsSpan(0, 17)).ToString());
    using var api = new HttpClient { BaseAddress = new Uri(baseUrl) };
    api.DefaultRequestHeaders.Authorization = new("Bearer", tokens["regulator"]);
    var offenses = new[] { "FAKE_REVIEW_ORGANIZING", "FALSE_ADVERTISING", "PRICE_FRAUD" };
    var severities = new[] { "SEVERITY_MINOR", "SEVERITY_GENERAL", "SEVERITY_SERIOUS" };
    var policy = app.Services.GetRequiredService<WangJian.Credit.Grains.PolicyVersions>().At(DateTimeOffset.UtcNow);
    offenses = offenses.Where(policy.Offenses.ContainsKey).DefaultIfEmpty(policy.Offenses.Keys.First()).ToArray();
    var now = DateTimeOffset.UtcNow;
    for (var i = 0; i < violations; i++)
    {
        var response = await api.PostAsJsonAsync($"/v1/operators/{op}/violations", new
        {
            offenseCode = offenses[i % offenses.Length],
            severity = severities[i % severities.Length],
            decisionNumber = $"浙市监处罚〔bench〕{i}号",
            authorityCode = "330100-SAMR",
            authorityName = "杭州市市场监督管理局",
            decidedAt = now.AddDays(-(5 * 365 - 1) + i * (5 * 365 - 10) / violations).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            fineFen = 100_000 * (i + 1),
            penaltyKinds = new[] { "PENALTY_KIND_FINE" },
        });
        response.EnsureSuccessStatusCode();
    }

    // In-process: the file's data and series (what the page renders from).
    var files = app.Services.GetRequiredService<OperatorFiles>();
    var user = app.Services.GetRequiredService<PrincipalRegistry>().Authenticate(tokens["regulator"])!;
    var first = await files.GetAsync(op, user, withChecks: true);
    // Warm-up: the JIT's tiered compilation and NRules' first sessions, as on a server that has been running.
    for (var i = 0; i < 20; i++)
    {
        await files.GetAsync(op, user, withChecks: true);
    }

    var data = new List<double>();
    for (var i = 0; i < rounds; i++)
    {
        var started = Stopwatch.GetTimestamp();
        await files.GetAsync(op, user, withChecks: true);
        data.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    var series = new List<double>();
    for (var i = 0; i < rounds; i++)
    {
        var started = Stopwatch.GetTimestamp();
        files.Series(first.History, DateTimeOffset.UtcNow);
        series.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    // Over HTTP: signed in through the sign-in form, then GET /console/file.
    var cookies = new CookieContainer();
    using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl) };
    var form = await browser.GetStringAsync("/console/signin");
    var antiforgery = Regex.Match(form, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
    var signIn = await browser.PostAsync("/console/signin", new FormUrlEncodedContent(new Dictionary<string, string>
    {
        ["token"] = tokens["regulator"],
        ["__RequestVerificationToken"] = antiforgery,
    }));
    if (signIn.StatusCode != HttpStatusCode.Redirect)
    {
        throw new InvalidOperationException($"sign-in answered {signIn.StatusCode}");
    }

    var page = new List<double>();
    var size = 0;
    for (var i = 0; i < rounds + 5; i++)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await browser.GetAsync($"/console/file?id={op}");
        var html = await response.Content.ReadAsStringAsync();
        var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK || !html.Contains("score-chart", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the file page answered {response.StatusCode}");
        }

        size = html.Length;
        if (i >= 5)
        {
            page.Add(ms);
        }
    }

    static string Stats(List<double> v)
    {
        var s = v.Order().ToArray();
        return string.Create(CultureInfo.InvariantCulture, $"median {s[s.Length / 2]:F1} ms, p95 {s[(int)(s.Length * 0.95)]:F1} ms, min {s[0]:F1} ms");
    }

    Console.WriteLine($"operator {op}: {first.History.Violations.Count} violations, score {first.Assessment.Score} / {first.Assessment.Grade}, chart {first.Series.Past.Count} past + {first.Series.Forward.Count} forward points");
    Console.WriteLine($"OperatorFiles.GetAsync (data + series, in-process), {rounds} rounds: {Stats(data)}");
    Console.WriteLine($"OperatorFiles.Series (the chart's series alone), {rounds} rounds: {Stats(series)}");
    Console.WriteLine($"GET /console/file (rendered page, {size / 1024} KiB, loopback), {rounds} rounds after 5 warm-up: {Stats(page)}");
    Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
}
finally
{
    await app.StopAsync();
    await app.DisposeAsync();
    try
    {
        Directory.Delete(dataDir, recursive: true);
    }
    catch (IOException)
    {
    }
}
