using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>Notices pending when the server is killed (-9) are delivered after it restarts; none is lost.</summary>
[Trait("Category", "Scenario")]
public sealed class NoticeCrashRecoveryTests : IAsyncLifetime
{
    private readonly TempDir dataDir = new("ncr");
    private readonly AgencyReceiver ndrc = new("NDRC");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await ndrc.DisposeAsync();
        dataDir.Dispose();
    }

    [Fact]
    public async Task PendingNotices_ServerKilled_DeliveredAfterRestart()
    {
        string[] args =
        [
            "--Agencies:Endpoints:NDRC:Url", ndrc.Url,
            "--Delivery:AttemptTimeoutMs", "500",
            "--Delivery:FirstBackoffMs", "100",
            "--Delivery:MaxBackoffMs", "500",
            "--Delivery:BreakMs", "500",
        ];
        string failing = TestUscc.Fresh(), fresh = TestUscc.Fresh();
        await using (var server = await ServerProcess.StartAsync(dataDir.Path, args))
        {
            var regulator = new RegulatorService.RegulatorServiceClient(server.As("regulator"));

            // The receiver is down: the first operator's notices sit in NDRC's outbox, failing.
            await regulator.RecordViolationAsync(Requests.Violation(failing, severity: Severity.EspeciallySerious));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline)
            {
                var c = (await regulator.ListPunishmentCasesAsync(new ListPunishmentCasesRequest { OperatorId = failing })).Cases.Single();
                if (c.Notices.Any(n => n.Notice.AgencyCode == "NDRC" && n.State == NoticeState.Failing))
                {
                    break;
                }

                await Task.Delay(100);
            }

            // The second listing is acknowledged and the process dies at once.
            await regulator.RecordViolationAsync(Requests.Violation(fresh, "FAKE_DRUG", Severity.EspeciallySerious));
            await server.KillHardAsync();
        }

        await ndrc.StartAsync();
        await using (var restarted = await ServerProcess.StartAsync(dataDir.Path, args))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && ndrc.Applied.Count < 6)
            {
                await Task.Delay(200);
            }

            // NDRC has three measures (bond review, government funds, procurement) per listing.
            var applied = ndrc.Applied.ToArray();
            Assert.Equal(3, applied.Count(n => n.OperatorId == failing));
            Assert.Equal(3, applied.Count(n => n.OperatorId == fresh));
            Assert.Equal(applied.Length, applied.Select(n => n.NoticeId).Distinct().Count());
            Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), applied.Select(n => n.Sequence));
        }
    }
}
