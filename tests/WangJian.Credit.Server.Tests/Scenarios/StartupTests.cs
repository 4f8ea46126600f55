using WangJian.Credit.Domain;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>A server that cannot run correctly refuses to start, and says why.</summary>
[Trait("Category", "Scenario")]
public sealed class StartupTests : IDisposable
{
    /// <summary>Free ports: the refusal under test is not a port taken by another test's server.</summary>
    private static readonly string[] NoPorts = ["--urls", "http://127.0.0.1:0", "--Http:Urls", "http://127.0.0.1:0"];

    private readonly string dir = Path.Combine(Path.GetTempPath(), "wj-credit-startup", Guid.NewGuid().ToString("N"));

    public StartupTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public async Task BuildAsync_ExternalRedisWithoutPrincipals_RefusesToStart()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerHost.BuildAsync([.. NoPorts, "--Storage:Redis", "127.0.0.1:1", "--Storage:DataDir", dir]));
        Assert.Contains("Auth:Principals is empty", e.Message);
    }

    [Fact]
    public async Task BuildAsync_BrokenPolicyFile_RefusesToStartNamingTheEntry()
    {
        var policy = await File.ReadAllTextAsync(PolicyLoader.DefaultPath);
        var broken = Path.Combine(dir, "policy.json");
        await File.WriteAllTextAsync(broken, policy.Replace("\"points\": [\n        8,\n        15,\n        30,\n        60\n      ]", "\"points\": [8, 15, 30]", StringComparison.Ordinal));

        var e = await Assert.ThrowsAsync<PolicyException>(() => ServerHost.BuildAsync([.. NoPorts, "--Policy:Path", broken, "--Storage:DataDir", dir]));
        Assert.Contains("FAKE_REVIEW_ORGANIZING", e.Message);
        Assert.Contains("points must have 4 values", e.Message);
    }

    [Fact]
    public async Task BuildAsync_BadPrincipal_RefusesToStartNamingTheEntry()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerHost.BuildAsync(
            [.. NoPorts, "--Storage:DataDir", dir, "--Auth:Principals:0:Name", "x", "--Auth:Principals:0:Role", "agency", "--Auth:Principals:0:Agency", "FBI", "--Auth:Principals:0:TokenSha256", new string('a', 64)]));
        Assert.Contains("Auth:Principals:0", e.Message);
    }

    [Theory]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "SHA-256 of the empty string")]
    [InlineData("not-hex", "64 hex digits")]
    [InlineData("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B85", "64 hex digits")]
    public async Task Server_PrincipalWithEmptyOrMalformedTokenHash_ExitsWithCode2AndOneLine(string hash, string why)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[]
        {
            ServerProcess.ServerDll(), "--urls", "http://127.0.0.1:0", "--Http:Urls", "http://127.0.0.1:0", "--Storage:DataDir", dir, "--Orleans:SiloPort", "0", "--Observability:MetricsUrl=",
            "--Auth:Principals:0:Name", "ok", "--Auth:Principals:0:Role", "platform", "--Auth:Principals:0:TokenSha256", new string('a', 64),
            "--Auth:Principals:1:Name", "ops", "--Auth:Principals:1:Role", "admin", "--Auth:Principals:1:TokenSha256", hash,
        })
        {
            psi.ArgumentList.Add(a);
        }

        using var process = System.Diagnostics.Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.Equal(2, process.ExitCode);
        var line = Assert.Single((await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("wangjian-credit: cannot start: ", line);
        Assert.Contains(why, line);
        Assert.EndsWith("(Auth:Principals:1:TokenSha256)", line.TrimEnd());
    }

    [Theory]
    [InlineData("regulator", null, "Authorities")]
    [InlineData("regulator", "33**", "Authorities")]
    [InlineData("platform", "*", "Authorities")]
    [InlineData("operator", null, "Uscc")]
    public async Task BuildAsync_PrincipalWithoutTheBindingOfItsRole_RefusesToStartNamingTheSetting(string role, string? authority, string setting)
    {
        string[] args = [.. NoPorts, "--Storage:DataDir", dir, "--Auth:Principals:0:Name", "x", "--Auth:Principals:0:Role", role, "--Auth:Principals:0:TokenSha256", new string('a', 64)];
        if (authority is not null)
        {
            args = [.. args, "--Auth:Principals:0:Authorities:0", authority];
        }

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerHost.BuildAsync(args));
        Assert.EndsWith($"(Auth:Principals:0:{setting})", e.Message);
    }
}
