using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>The change feed's cursor survives a kill -9 of the server.</summary>
[Trait("Category", "Scenario")]
public sealed class ChangeFeedRestartTests : IAsyncLifetime
{
    private readonly TempDir dataDir = new("feed");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        dataDir.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task WatchCreditChanges_ResumeAfterServerKilled_MissesNothingAndRepeatsNothing()
    {
        string a = TestUscc.Fresh(), b = TestUscc.Fresh(), c = TestUscc.Fresh();
        string cursor;
        await using (var server = await ServerProcess.StartAsync(dataDir.Path))
        {
            var regulator = new RegulatorService.RegulatorServiceClient(server.As("regulator"));
            var credit = new CreditService.CreditServiceClient(server.As("platform"));
            await regulator.RecordViolationAsync(Requests.Violation(a));
            await regulator.RecordViolationAsync(Requests.Violation(b, severity: Severity.EspeciallySerious));
            var seen = await ChangeFeedTests.ReadUntil(credit, new WatchCreditChangesRequest { FromBeginning = true }, x => x.OperatorId == a);
            cursor = seen[^1].Cursor;
            await server.KillHardAsync();
        }

        await using (var restarted = await ServerProcess.StartAsync(dataDir.Path))
        {
            var regulator = new RegulatorService.RegulatorServiceClient(restarted.As("regulator"));
            var credit = new CreditService.CreditServiceClient(restarted.As("platform"));
            await regulator.RecordViolationAsync(Requests.Violation(c, "FAKE_DRUG", Severity.Serious));
            var resumed = await ChangeFeedTests.ReadUntil(credit, new WatchCreditChangesRequest { Cursor = cursor }, x => x.OperatorId == c);

            Assert.Equal([b, c], resumed.Select(x => x.OperatorId));
            Assert.Equal([ChangeFeedTests.Seq(cursor) + 1, ChangeFeedTests.Seq(cursor) + 2], resumed.Select(x => ChangeFeedTests.Seq(x.Cursor)));
        }
    }
}
