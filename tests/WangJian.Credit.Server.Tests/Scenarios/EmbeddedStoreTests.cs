using System.Text.Json;
using System.Text.RegularExpressions;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// The embedded store of a real server process: it needs its password, its files are its owner's alone,
/// and a log that ends before the last commit the server recorded stops the next start.
/// </summary>
[Trait("Category", "Scenario")]
public sealed partial class EmbeddedStoreTests : IDisposable
{
    private readonly TempDir dataDir = new("store");

    public void Dispose() => dataDir.Dispose();

    [Fact]
    public async Task EmbeddedPort_RefusesCommandsWithoutThePassword_AndAnswersWithIt()
    {
        await using var server = await ServerProcess.StartAsync(dataDir.Path);
        var port = int.Parse(EmbeddedPort().Match(string.Join('\n', server.Output)).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var password = await File.ReadAllTextAsync(Path.Combine(dataDir.Path, "garnet", "password"));

        Assert.StartsWith("-NOAUTH", await Resp.SendAsync(port, ["PING"]));
        Assert.StartsWith("-NOAUTH", await Resp.SendAsync(port, ["KEYS", "*"]));
        Assert.StartsWith("-", await Resp.SendAsync(port, ["AUTH", "not-the-password"]));
        Assert.Equal("+OK\r\n+PONG\r\n", await Resp.SendAsync(port, ["AUTH", password], ["PING"]));
        Assert.DoesNotContain(server.Output, line => line.Contains(password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DataDir_AfterWritesAndACheckpoint_NothingInItIsReadableByGroupOrOthers()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await using (var server = await ServerProcess.StartAsync(dataDir.Path, "--Storage:CheckpointIntervalSeconds", "1"))
        {
            var regulator = new RegulatorService.RegulatorServiceClient(server.As("regulator"));
            for (var i = 0; i < 20; i++)
            {
                await regulator.RecordViolationAsync(Requests.Violation(TestUscc.Fresh()));
            }

            var checkpoints = Path.Combine(dataDir.Path, "garnet", "checkpoints", "Store");
            for (var waited = 0; !Directory.Exists(checkpoints) || !Directory.EnumerateFiles(checkpoints, "*", SearchOption.AllDirectories).Any(); waited++)
            {
                Assert.True(waited < 300, "no checkpoint was written within 30 s");
                await Task.Delay(100);
            }

            await server.StopAsync();
        }

        var entries = new DirectoryInfo(dataDir.Path).EnumerateFileSystemInfos("*", SearchOption.AllDirectories).ToList();
        Assert.Contains(entries, e => e.Name.StartsWith("aof.log.", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.FullName.Contains("cpr-checkpoints", StringComparison.Ordinal));
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
                                    UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dataDir.Path));
        Assert.All(entries, e => Assert.True((e.UnixFileMode & others) == 0, $"{e.FullName} is {e.UnixFileMode}"));
    }

    [Fact]
    public async Task LogCutAfterACleanStop_RefusesToStartNamingTheLoss_AndWithAcceptDataLossStartsAndSaysWhatItDropped()
    {
        var kept = TestUscc.Fresh();
        await using (var server = await ServerProcess.StartAsync(dataDir.Path))
        {
            var regulator = new RegulatorService.RegulatorServiceClient(server.As("regulator"));
            await regulator.RecordViolationAsync(Requests.Violation(kept));
            for (var i = 0; i < 10; i++)
            {
                await regulator.RecordViolationAsync(Requests.Violation(TestUscc.Fresh()));
            }

            await server.StopAsync();
        }

        var log = LastLogFile();
        var length = new FileInfo(log).Length;
        using (var f = new FileStream(log, FileMode.Open))
        {
            f.SetLength(length - 700);
        }

        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(dataDir.Path);
        Assert.Equal(2, exitCode);
        var refusal = Assert.Single(output.Split('\n'), l => l.Contains("cannot start:", StringComparison.Ordinal));
        Assert.StartsWith("wangjian-credit: cannot start: the embedded store's log is incomplete: the log ends at offset", refusal);
        Assert.Contains(log, refusal);
        Assert.Matches(@"\d+ bytes of committed log are missing", refusal);
        Assert.Contains("are lost", refusal);
        Assert.Contains("Storage:AcceptDataLoss", refusal);

        await using (var server = await ServerProcess.StartAsync(dataDir.Path, "--Storage:AcceptDataLoss", "true"))
        {
            Assert.Contains(server.Output, l => l.Contains("Storage:AcceptDataLoss: starting with an incomplete log, dropped: the log ends at offset", StringComparison.Ordinal));
            var regulator = new RegulatorService.RegulatorServiceClient(server.As("regulator"));
            var list = await regulator.ListViolationsAsync(new ListViolationsRequest { OperatorId = kept, PageSize = 10 });
            Assert.Single(list.Violations);
            await server.StopAsync();
        }

        // What is left is the log now: the next start needs no flag.
        await using (var server = await ServerProcess.StartAsync(dataDir.Path))
        {
            Assert.DoesNotContain(server.Output, l => l.Contains("AcceptDataLoss", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task LogWithACorruptTail_RefusesToStart()
    {
        await using (var server = await ServerProcess.StartAsync(dataDir.Path))
        {
            var regulator = new RegulatorService.RegulatorServiceClient(server.As("regulator"));
            for (var i = 0; i < 10; i++)
            {
                await regulator.RecordViolationAsync(Requests.Violation(TestUscc.Fresh()));
            }

            await server.StopAsync();
        }

        // The file keeps its length; its last 700 committed bytes become zeros (a torn write).
        using (var marks = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dataDir.Path, "garnet", "committed-log.json"))))
        {
            var root = marks.RootElement;
            var end = root.GetProperty("marks").EnumerateArray().Last().GetProperty("address").GetInt64() % root.GetProperty("segmentBytes").GetInt64();
            using var f = new FileStream(LastLogFile(), FileMode.Open);
            f.Position = end - 700;
            f.Write(new byte[700]);
        }

        var (exitCode, output) = await ServerProcess.RunUntilExitAsync(dataDir.Path);
        Assert.Equal(2, exitCode);
        var refusal = Assert.Single(output.Split('\n'), l => l.Contains("cannot start:", StringComparison.Ordinal));
        Assert.Contains("the embedded store's log is incomplete: the log is readable only up to offset", refusal);
        Assert.Contains("what follows is torn or corrupt", refusal);
        Assert.Contains(LastLogFile(), refusal);
        Assert.Contains("Storage:AcceptDataLoss", refusal);
    }

    private string LastLogFile() =>
        Directory.EnumerateFiles(Path.Combine(dataDir.Path, "garnet", "checkpoints", "AOF"), "aof.log.*")
            .Where(f => new FileInfo(f).Length > 0)
            .MaxBy(f => long.Parse(Path.GetExtension(f).TrimStart('.'), System.Globalization.CultureInfo.InvariantCulture))!;

    [GeneratedRegex(@"Embedded Garnet on 127\.0\.0\.1:(\d+)")]
    private static partial Regex EmbeddedPort();
}
