using WangJian.Credit.Domain;

namespace WangJian.Credit.Server.Tests;

/// <summary>A server that cannot run correctly refuses to start, and says why.</summary>
public sealed class StartupTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "wj-credit-startup", Guid.NewGuid().ToString("N"));

    public StartupTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public async Task BuildAsync_ExternalRedisWithoutPrincipals_RefusesToStart()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerHost.BuildAsync(["--Storage:Redis", "127.0.0.1:1", "--Storage:DataDir", dir]));
        Assert.Contains("Auth:Principals is empty", e.Message);
    }

    [Fact]
    public async Task BuildAsync_BrokenPolicyFile_RefusesToStartNamingTheEntry()
    {
        var policy = await File.ReadAllTextAsync(Rules.PolicyFile.DefaultPath);
        var broken = Path.Combine(dir, "policy.json");
        await File.WriteAllTextAsync(broken, policy.Replace("\"points\": [\n        8,\n        15,\n        30,\n        60\n      ]", "\"points\": [8, 15, 30]", StringComparison.Ordinal));

        var e = await Assert.ThrowsAsync<PolicyException>(() => ServerHost.BuildAsync(["--Policy:Path", broken, "--Storage:DataDir", dir]));
        Assert.Contains("FAKE_REVIEW_ORGANIZING", e.Message);
        Assert.Contains("points must have 4 values", e.Message);
    }

    [Fact]
    public async Task BuildAsync_BadPrincipal_RefusesToStartNamingTheEntry()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerHost.BuildAsync(
            ["--Storage:DataDir", dir, "--Auth:Principals:0:Name", "x", "--Auth:Principals:0:Role", "agency", "--Auth:Principals:0:Agency", "FBI", "--Auth:Principals:0:TokenSha256", new string('a', 64)]));
        Assert.Contains("Auth:Principals:0", e.Message);
    }
}
