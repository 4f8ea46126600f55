using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests;

/// <summary>An acknowledged write survives kill -9 of the whole server, embedded store included.</summary>
public sealed class CrashRecoveryTests : IAsyncLifetime
{
    private readonly TempDir dataDir = new("crash");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        dataDir.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task RecordViolation_KilledRightAfterAcknowledging_EveryWriteSurvivesRestart()
    {
        var acknowledged = new Dictionary<string, List<string>>();
        var scores = new Dictionary<string, double>();
        var operators = Enumerable.Range(0, 20).Select(_ => TestUscc.Fresh()).ToArray();

        await using (var server = await ServerProcess.StartAsync(dataDir.Path))
        {
            var regulator = new RegulatorService.RegulatorServiceClient(server.As("regulator"));
            var offenses = new[] { "FAKE_TRANSACTION", "PRICE_FRAUD", "FALSE_AD_HEALTH", "RETURN_REFUSAL" };
            var writes = operators.SelectMany((op, i) => Enumerable.Range(0, 3).Select(k => (op, offense: offenses[(i + k) % offenses.Length]))).ToArray();
            await Parallel.ForEachAsync(writes, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (w, ct) =>
            {
                var response = await regulator.RecordViolationAsync(Requests.Violation(w.op, w.offense), cancellationToken: ct);
                lock (acknowledged)
                {
                    if (!acknowledged.TryGetValue(w.op, out var ids))
                    {
                        acknowledged[w.op] = ids = [];
                    }

                    ids.Add(response.Violation.ViolationId);
                    scores[w.op] = Math.Min(scores.GetValueOrDefault(w.op, 100), response.Status.Score);
                }
            });

            // No pause, no graceful stop: the process dies the instant the last write was acknowledged.
            await server.KillHardAsync();
        }

        await using (var restarted = await ServerProcess.StartAsync(dataDir.Path))
        {
            var regulator = new RegulatorService.RegulatorServiceClient(restarted.As("regulator"));
            var credit = new CreditService.CreditServiceClient(restarted.As("platform"));
            foreach (var op in operators)
            {
                var list = await regulator.ListViolationsAsync(new ListViolationsRequest { OperatorId = op, PageSize = 100 });
                Assert.Equal(acknowledged[op].Order(), list.Violations.Select(v => v.ViolationId).Order());
                var status = await credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op });
                Assert.Equal(scores[op], status.Status.Score);
            }
        }
    }
}
