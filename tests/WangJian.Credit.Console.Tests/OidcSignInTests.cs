using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using WangJian.Credit.Server;

namespace WangJian.Credit.Console.Tests;

/// <summary>
/// With single sign-on configured (Auth:Jwt), the console signs in with the OpenID Connect code flow
/// (PKCE) against the issuer: here a provider the test serves on loopback. The id token's claims map to
/// the same principal as an API token's, so the role's pages and scope follow.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class OidcSignInTests(ConsoleFixture shared)
{
    [Fact]
    public async Task SignIn_WithTheIssuer_CodeFlowWithPkce_GivesTheTokensRole()
    {
        await using var idp = new TestIdentityProvider();
        idp.User["name"] = "zhang.wei";
        idp.User["role"] = "regulator";
        idp.User["authorities"] = new[] { "3301*" };
        await idp.StartAsync();
        using (var probe = new HttpClient())
        {
            var discovery = await probe.GetAsync(idp.Issuer + "/.well-known/openid-configuration");
            Assert.True(discovery.IsSuccessStatusCode, $"{discovery.StatusCode}: {await discovery.Content.ReadAsStringAsync()}");
        }

        var dataDir = Path.Combine(Path.GetTempPath(), "wj-console-tests", Guid.NewGuid().ToString("N"));
        var app = await ServerHost.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--Http:Urls", "http://127.0.0.1:0",
            "--Storage:DataDir", dataDir,
            "--Orleans:SiloPort", "0",
            "--Observability:MetricsUrl", "",
            "--Logging:LogLevel:Default", "Warning",
            "--Auth:Jwt:Authority", idp.Issuer,
            "--Auth:Jwt:Audience", idp.ClientId,
            "--Auth:Jwt:RequireHttpsMetadata", "false",
        ]);
        await app.StartAsync();
        try
        {
            var baseUrl = app.Services.GetRequiredService<WangJian.Credit.Server.Http.Listeners>().HttpUrls[0];
            await using var context = await shared.NewContextAsync();
            var page = await context.NewPageAsync();
            var seen = new List<string>();
            page.Response += (_, r) => seen.Add($"{r.Status} {r.Url}");
            await page.GotoAsync(baseUrl + "/console/approvals");
            Assert.Contains("/console/signin", page.Url, StringComparison.Ordinal);
            await Pages.AssertAccessibleAsync(page);
            await page.ClickAsync("#oidc-signin");
            try
            {
                // The address is what counts here; the page's content is awaited below. Polled, not awaited as a
                // navigation: once a navigation event was missed (the page was signed in at that address while
                // WaitForURLAsync waited its whole minute), and on a loaded machine the page's load event,
                // Playwright's default, came after the 30-second default timeout once.
                await Assertions.Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(baseUrl) + "/console/approvals$"), new() { Timeout = 60_000 });
            }
            catch (PlaywrightException)
            {
                Assert.Fail($"signed in nowhere: at {page.Url}: {await page.Locator("body").InnerTextAsync()}; provider refused: {string.Join("; ", idp.Refusals)}; responses: {string.Join(" | ", seen)}");
            }
            await Assertions.Expect(page.Locator("header .who")).ToContainTextAsync("zhang.wei");
            await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("待复核审批");

            var asked = Assert.Single(idp.Authorizations);
            Assert.Equal("code", asked["response_type"]);
            Assert.Equal("S256", asked["code_challenge_method"]);
            Assert.Equal(baseUrl + "/console/signin-oidc", asked["redirect_uri"]);
            Assert.Empty(idp.Refusals);

            // The role comes from the id token: a regulator may record, not read the access log.
            await page.GotoAsync(baseUrl + "/console/access");
            Assert.Contains("/console/denied", page.Url, StringComparison.Ordinal);
            Assert.Empty(shared.Escaped);
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
    }
}
