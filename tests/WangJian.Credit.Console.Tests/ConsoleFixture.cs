using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using WangJian.Credit.Server;
using WangJian.Credit.Server.Web;

namespace WangJian.Credit.Console.Tests;

/// <summary>
/// One real server (embedded Garnet, the default four-eyes rules) and one headless Debian chromium for
/// every console test: page loads cost seconds on a loaded machine, so the browser is started once.
/// Every request a page makes is checked: anything but loopback is aborted and recorded, and the tests
/// fail on it (nothing of the console may come from the internet).
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    /// <summary>Debian's chromium (apt-get install chromium); Playwright's own browser download is not used.</summary>
    public const string Chromium = "/usr/bin/chromium";

    private Microsoft.AspNetCore.Builder.WebApplication? app;
    private IPlaywright? playwright;

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "wj-console-tests", Guid.NewGuid().ToString("N"));

    /// <summary>The clock of the console's session cookies: advanced by the expiry test, never slept on.</summary>
    public FakeTimeProvider SessionClock { get; } = new(DateTimeOffset.UtcNow);

    public string BaseUrl { get; private set; } = "";

    public IReadOnlyDictionary<string, string> Tokens { get; private set; } = new Dictionary<string, string>();

    public IBrowser Browser { get; private set; } = null!;

    public IServiceProvider Services => app!.Services;

    /// <summary>Requests that tried to leave the machine (should stay empty).</summary>
    public List<string> Escaped { get; } = [];

    public async Task InitializeAsync()
    {
        app = await ServerHost.BuildAsync(
        [
            "--urls", "http://127.0.0.1:0",
            "--Http:Urls", "http://127.0.0.1:0",
            "--Storage:DataDir", DataDir,
            "--Orleans:SiloPort", "0",
            "--Observability:MetricsUrl", "",
            "--Logging:LogLevel:Default", "Warning",
        ], b => b.Services.AddKeyedSingleton<TimeProvider>(ConsoleWeb.ClockKey, SessionClock));
        await app.StartAsync();
        BaseUrl = app.Services.GetRequiredService<WangJian.Credit.Server.Http.Listeners>().HttpUrls[0];
        Tokens = JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(Path.Combine(DataDir, "dev-tokens.json")))!;

        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Root in CI containers: chromium's sandbox needs user namespaces it may not have.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh browser context (its own cookies) at 1366×768, or a phone's width, guarded against non-loopback requests.</summary>
    public async Task<IBrowserContext> NewContextAsync(bool phone = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = phone ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1366, Height = 768 },
            Locale = "zh-CN",
            BaseURL = BaseUrl,
        });
        await context.RouteAsync("**/*", async route =>
        {
            var uri = new Uri(route.Request.Url);
            if (uri.Scheme is "data" or "blob" || uri.IsLoopback)
            {
                await route.ContinueAsync();
                return;
            }

            lock (Escaped)
            {
                Escaped.Add(route.Request.Url);
            }

            await route.AbortAsync();
        });
        return context;
    }

    /// <summary>Signs the context in with a dev token through the sign-in form.</summary>
    public async Task<IPage> SignInAsync(IBrowserContext context, string tokenKey)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync("/console/signin");
        await page.FillAsync("#token", Tokens[tokenKey]);
        await page.ClickAsync("#signin-submit");
        await page.WaitForURLAsync(u => !u.Contains("/console/signin", StringComparison.Ordinal));
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        playwright?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console";
}
