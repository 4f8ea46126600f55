using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>An acknowledged write survives kill -9 of the whole server, embedded store included.</summary>
[Trait("Category", "Scenario")]
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

    /// <summary>
    /// The server is killed while writes and checks are still in flight, not after a quiet moment: every
    /// RecordViolation and CheckOperator that had been answered OK before the kill is there after the
    /// restart. This is what the commit barrier (DurableWrites) guards: the store may answer before its
    /// log commit, the API may not.
    /// </summary>
    /// <remarks>
    /// Also with checkpoints all the time (every second and after each MB of log): a kill in the middle of
    /// one, or right after it truncated the log, loses nothing answered either.
    /// </remarks>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task KilledDuringWritesAndChecks_EveryAnsweredWriteAndCheckSurvives(bool checkpointing)
    {
        string[] args = checkpointing ? ["--Storage:CheckpointIntervalSeconds", "1", "--Storage:LogSizeLimitMb", "1"] : [];
        var operators = Enumerable.Range(0, 40).Select(_ => TestUscc.Fresh()).ToArray();
        var acknowledged = new List<(string Operator, string ViolationId)>();
        var checks = new List<string>();
        await using (var server = await ServerProcess.StartAsync(dataDir.Path, args))
        {
            var regulator = new RegulatorService.RegulatorServiceClient(server.As("regulator"));
            var agency = new AgencyService.AgencyServiceClient(server.As("agency:NDRC"));
            using var stop = new CancellationTokenSource();
            var answered = 0;
            var workers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var op = operators[(w * 7 + n) % operators.Length];
                    try
                    {
                        if (w % 4 == 0)
                        {
                            var check = await agency.CheckOperatorAsync(new CheckOperatorRequest { OperatorId = op, Matter = "GOV_FUNDING" });
                            lock (checks)
                            {
                                checks.Add(check.CheckId);
                            }
                        }
                        else
                        {
                            var response = await regulator.RecordViolationAsync(Requests.Violation(op, "RETURN_REFUSAL"));
                            lock (acknowledged)
                            {
                                acknowledged.Add((op, response.Violation.ViolationId));
                            }
                        }

                        Interlocked.Increment(ref answered);
                    }
                    catch (global::Grpc.Core.RpcException)
                    {
                        // In flight when the process died: not acknowledged, so allowed to be lost.
                        return;
                    }
                }
            })).ToArray();

            var checkpoints = Path.Combine(dataDir.Path, "garnet", "checkpoints", "Store");
            bool Checkpointed() => Directory.Exists(checkpoints) && Directory.EnumerateFiles(checkpoints, "*", SearchOption.AllDirectories).Any();
            var waiting = System.Diagnostics.Stopwatch.StartNew();
            while (Volatile.Read(ref answered) < 400 || (checkpointing && (!Checkpointed() || Volatile.Read(ref answered) < 1200)))
            {
                Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(90), $"{answered} answers and checkpointed: {Checkpointed()} after 90 s");
                await Task.Delay(5);
            }

            await server.KillHardAsync();
            stop.Cancel();
            await Task.WhenAll(workers);
        }

        await using (var restarted = await ServerProcess.StartAsync(dataDir.Path, args))
        {
            var regulator = new RegulatorService.RegulatorServiceClient(restarted.As("regulator"));
            foreach (var group in acknowledged.GroupBy(a => a.Operator))
            {
                var list = await regulator.ListViolationsAsync(new ListViolationsRequest { OperatorId = group.Key, PageSize = 1000 });
                var present = list.Violations.Select(v => v.ViolationId).ToHashSet();
                Assert.All(group, a => Assert.Contains(a.ViolationId, present));
            }

            var stored = new HashSet<string>();
            var page = new ListChecksRequest { AgencyCode = "NDRC", PageSize = 1000 };
            while (true)
            {
                var response = await regulator.ListChecksAsync(page);
                stored.UnionWith(response.Checks.Select(c => c.CheckId));
                if (string.IsNullOrEmpty(response.NextPageToken))
                {
                    break;
                }

                page.PageToken = response.NextPageToken;
            }

            Assert.All(checks, id => Assert.Contains(id, stored));
        }
    }
}
