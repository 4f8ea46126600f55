using System.Net;
using System.Net.Sockets;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Testing;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// Every configuration or environment error at start is one line, <c>cannot start: &lt;what&gt; (&lt;setting&gt;)</c>,
/// and exit code 2: the real server process, as an operator would start it. At least one bad value of every
/// option group (Urls, Http, Storage, Orleans, Policy, Observability, Auth, Audit, Approvals, Calendar, Delivery,
/// Agencies, Webhooks, Public, Reports, Console): each is refused before the store or the silo starts.
/// </summary>
[Trait("Category", "Scenario")]
public sealed class BadStartTests : IDisposable
{
    private readonly TempDir dir = new("badstart");

    public void Dispose() => dir.Dispose();

    private static readonly string[] AdminPrincipal =
        ["--Auth:Principals:0:Name", "ops", "--Auth:Principals:0:Role", "admin", "--Auth:Principals:0:TokenSha256", PrincipalRegistry.Hash("bad-start-token")];

    public static TheoryData<string, string[], string> BadOptions => new()
    {
        { "Urls", ["--urls", "http://127.0.0.1:99999"], "http://127.0.0.1:99999" },
        { "Urls", ["--urls", "not a url"], "not a url" },
        { "Orleans:SiloPort", ["--Orleans:SiloPort", "70000"], "70000" },
        { "Orleans:AdvertisedIp", ["--Orleans:AdvertisedIp", "nope"], "nope" },
        { "Storage:OperationTimeoutMs", ["--Storage:OperationTimeoutMs", "-5"], "-5" },
        { "Storage:OperationTimeoutMs", ["--Storage:OperationTimeoutMs", "abc"], "abc" },
        { "Storage:CheckpointIntervalSeconds", ["--Storage:CheckpointIntervalSeconds", "-1"], "-1" },
        { "Storage:LogSizeLimitMb", ["--Storage:LogSizeLimitMb", "0"], "0" },
        { "Storage:LogGrowthPercent", ["--Storage:LogGrowthPercent", "5000"], "5000" },
        { "Delivery:Retries", ["--Delivery:Retries", "0"], "0" },
        { "Policy:RolloutConcurrency", ["--Policy:RolloutConcurrency", "0"], "got 0" },
        { "Policy:RolloutRatePerSecond", ["--Policy:RolloutRatePerSecond", "-3"], "got -3" },
        { "Approvals:SecondPersonFor", ["--Approvals:SecondPersonFor", "PUBLISH"], "PUBLISH_POLICY" },
        { "Delivery:MaxBackoffMs", ["--Delivery:FirstBackoffMs", "5000", "--Delivery:MaxBackoffMs", "1000"], "1000" },
        { "Observability:MetricsUrl", ["--Observability:MetricsUrl", "http://127.0.0.1:99999/"], "99999" },
        { "Storage:Redis", ["--Storage:Redis", "=:6379", .. AdminPrincipal], "=:6379" },
        { "Calendar:Holidays", ["--Calendar:Holidays", "2026-13-01"], "2026-13-01" },
        { "Calendar:ExtraWorkdays", ["--Calendar:ExtraWorkdays:0", "2026-10-11", "--Calendar:ExtraWorkdays:1", "next-saturday"], "next-saturday" },
        { "Calendar:ExtraWorkdays", ["--Calendar:Holidays", "2026-10-01", "--Calendar:ExtraWorkdays", "2026-10-01"], "2026-10-01" },
        { "Public:PermitsPerMinute", ["--Public:PermitsPerMinute", "0"], "0" },
        { "Reports:FontPath", ["--Reports:FontPath", "/nonexistent/font.ttf"], "/nonexistent/font.ttf" },
        { "Reports:SigningKeyPath", ["--Reports:SigningKeyPath", "/nonexistent/key.pem"], "/nonexistent/key.pem" },
        { "Storage:Redis", ["--Storage:Redis", "127.0.0.1:1", .. AdminPrincipal], "connection refused" },
        { "Http:Urls", ["--Http:Urls", "not a url"], "not a url" },
        { "Orleans:ClusterId", ["--Orleans:ClusterId", " "], "must not be empty" },
        { "Policy:Path", ["--Policy:Path", "/nonexistent/policy.json"], "/nonexistent/policy.json" },
        { "Observability:OtlpEndpoint", ["--Observability:OtlpEndpoint", "collector:4317"], "collector:4317" },
        { "Auth:Jwt:Audience", ["--Auth:Jwt:Authority", "https://sso.example"], "audience" },
        { "Auth:Jwt:Authority", ["--Auth:Jwt:Authority", "sso.example", "--Auth:Jwt:Audience", "wj"], "sso.example" },
        { "Auth:PrincipalsFile", ["--Auth:PrincipalsFile", "/nonexistent/principals.json"], "/nonexistent/principals.json" },
        { "Audit:RetainFor", ["--Audit:RetainFor", "-1.00:00:00"], "-1.00:00:00" },
        { "Audit:RetainFor", ["--Audit:RetainFor", "five years"], "five years" },
        { "Approvals:ExpireAfter", ["--Approvals:ExpireAfter", "00:00:00"], "00:00:00" },
        { "Delivery:BreakMs", ["--Delivery:BreakMs", "100"], "100 ms" },
        { "Delivery:AttemptTimeoutMs", ["--Delivery:AttemptTimeoutMs", "0"], "0" },
        { "Agencies:Endpoints:NDRC:Url", ["--Agencies:Endpoints:NDRC:Url", "ftp://ndrc.example"], "ftp://ndrc.example" },
        { "Agencies:Endpoints:FBI", ["--Agencies:Endpoints:FBI:Url", "https://fbi.example"], "'FBI' is not an agency" },
        { "Webhooks:Retries", ["--Webhooks:Retries", "0"], "0" },
        { "Webhooks:BreakMs", ["--Webhooks:BreakMs", "100"], "100 ms" },
        { "Webhooks:DisableAfter", ["--Webhooks:DisableAfter", "00:00:00"], "00:00:00" },
        { "Webhooks:MaxBackoffMs", ["--Webhooks:FirstBackoffMs", "5000", "--Webhooks:MaxBackoffMs", "1000"], "1000" },
        { "Webhooks:MaxPerPlatform", ["--Webhooks:MaxPerPlatform", "0"], "0" },
        { "Console:SessionTimeout", ["--Console:SessionTimeout", "-00:05:00"], "-00:05:00" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task Start_BadSetting_ExitsTwoWithOneLineNamingIt(string setting, string[] args, string mentioned)
    {
        var urls = args.Contains("--urls") ? [] : new[] { "--urls", "http://127.0.0.1:0" };
        await AssertRefusedAsync(setting, mentioned, [.. urls, "--Storage:DataDir", dir.Path, "--Orleans:SiloPort", "0", .. args]);
    }

    [Fact]
    public async Task Start_ReportFontWithCffOutlines_ExitsTwoNamingFontPath()
    {
        // The table directory of an OpenType font with CFF outlines (what Noto CJK is): 'OTTO', one table, 'CFF '.
        var font = new byte[12 + 16];
        "OTTO"u8.CopyTo(font);
        font[5] = 1;
        "CFF "u8.CopyTo(font.AsSpan(12));
        var path = Path.Combine(dir.Path, "cff.otf");
        await File.WriteAllBytesAsync(path, font);
        await AssertRefusedAsync("Reports:FontPath", "TrueType outlines", "--urls", "http://127.0.0.1:0", "--Storage:DataDir", Path.Combine(dir.Path, "data"), "--Orleans:SiloPort", "0", "--Reports:FontPath", path);
    }

    [Fact]
    public async Task Start_HttpPortInUse_ExitsTwoNamingUrls()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await AssertRefusedAsync("Urls", $"{port}", "--urls", $"http://127.0.0.1:{port}", "--Storage:DataDir", dir.Path, "--Orleans:SiloPort", "0");
    }

    [Fact]
    public async Task Start_SiloPortInUse_ExitsTwoNamingSiloPort()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        await AssertRefusedAsync("Orleans:SiloPort", $"{port}", "--urls", "http://127.0.0.1:0", "--Storage:DataDir", dir.Path, "--Orleans:SiloPort", $"{port}");
    }

    [Fact]
    public async Task Start_RedisPasswordMissingWrongOrTlsMismatch_ExitsTwoSayingWhich()
    {
        await using var redis = new RedisProcess { Password = "right-password" };
        var bare = $"127.0.0.1:{redis.Port}";
        await redis.StartAsync();
        string[] common = ["--urls", "http://127.0.0.1:0", "--Storage:DataDir", dir.Path, "--Orleans:SiloPort", "0", .. AdminPrincipal];

        await AssertRefusedAsync("Storage:Redis", "requires a password", [.. common, "--Storage:Redis", bare]);
        await AssertRefusedAsync("Storage:Redis", "password (or user) was refused", [.. common, "--Storage:Redis", bare + ",password=wrong-password"]);
        await AssertRefusedAsync("Storage:Redis", "TLS", [.. common, "--Storage:Redis", bare + ",password=right-password,ssl=true"]);
    }

    [Fact]
    public async Task Start_PasswordInConnectionString_IsNeverPrinted()
    {
        var (code, stdout, stderr) = await ServerProcess.RunToExitAsync(
            ["--urls", "http://127.0.0.1:0", "--Storage:DataDir", dir.Path, "--Orleans:SiloPort", "0", .. AdminPrincipal, "--Storage:Redis", "127.0.0.1:1,password=do-not-print-me"]);
        Assert.Equal(2, code);
        Assert.DoesNotContain("do-not-print-me", stdout + stderr, StringComparison.Ordinal);
    }

    internal static async Task AssertRefusedAsync(string setting, string mentioned, params string[] args)
    {
        var (code, stdout, stderr) = await ServerProcess.RunToExitAsync(args);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(code == 2, $"exit {code}; stderr: {stderr}; stdout: {stdout}");
        var line = Assert.Single(lines);
        Assert.StartsWith("wangjian-credit: cannot start: ", line, StringComparison.Ordinal);
        Assert.True(line.Contains(setting, StringComparison.Ordinal) && line.Contains(mentioned, StringComparison.Ordinal), $"expected '{setting}' and '{mentioned}' in: {line}");
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }
}
