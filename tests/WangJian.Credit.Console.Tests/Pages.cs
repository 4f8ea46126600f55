using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Console.Tests;

/// <summary>What every test does to a page: accessibility (axe), screenshots, fresh USCCs.</summary>
public static class Pages
{
    private static int counter = Random.Shared.Next(1_000_000);

    /// <summary>A valid, fresh code: distinct per call within a run, random across runs.</summary>
    public static string FreshUscc()
    {
        var n = Interlocked.Increment(ref counter);
        var body = $"91330100{Random.Shared.Next(100):D2}{n:D7}";
        return body + Uscc.CheckCharacter(body);
    }

    /// <summary>Fails with the rules and the elements when axe finds a serious or critical violation.</summary>
    public static async Task AssertAccessibleAsync(IPage page)
    {
        var result = await page.RunAxe();
        Assert.NotEmpty(result.Passes);
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical").ToArray();
        Assert.True(bad.Length == 0, $"{page.Url}: " + string.Join("; ", bad.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Take(3).Select(n => n.Html))}")));
    }

    /// <summary>Writes a screenshot into the repository's docs/screenshots/ (shown in the README).</summary>
    public static async Task ScreenshotAsync(IPage page, string name, string? selector = null)
    {
        var dir = Path.Combine(RepositoryRoot(), "docs", "screenshots");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".png");
        if (selector is null)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        }
        else
        {
            await page.Locator(selector).ScreenshotAsync(new LocatorScreenshotOptions { Path = path });
        }
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "WangJian.Credit.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("the repository root (WangJian.Credit.sln) is not above " + AppContext.BaseDirectory);
    }
}
