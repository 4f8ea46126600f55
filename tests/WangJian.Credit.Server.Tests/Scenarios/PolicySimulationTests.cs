using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using WangJian.Credit.Domain;
using WangJian.Credit.Rules.Tests;
using WangJian.Credit.V1;
using CheckDecision = WangJian.Credit.V1.CheckDecision;
using Severity = WangJian.Credit.V1.Severity;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// SimulatePolicy and ValidatePolicy on a server of its own: random histories recorded over the API, the
/// report checked against the plain reference scorer over the same histories, and a seeded check whose
/// answer would flip.
/// </summary>
[Trait("Category", "Scenario")]
public sealed class PolicySimulationTests(ServerFixture server) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private static readonly string[] Offenses = ["FALSE_PROMOTION", "FAKE_REVIEW", "PRICE_MARKING", "COUNTERFEIT_GOODS", "FAKE_REVIEW_ORGANIZING"];

    // Recorded once per fixture: operator → what was recorded, as the reference scorer reads it.
    private static readonly Dictionary<string, List<Domain.Violation>> Recorded = [];
    private static readonly SemaphoreSlim Seeded = new(1, 1);

    private PolicyService.PolicyServiceClient Admin => new(server.As("admin"));

    public async Task InitializeAsync()
    {
        await Seeded.WaitAsync();
        try
        {
            if (Recorded.Count > 0)
            {
                return;
            }

            var random = new Random(2019);
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < 40; i++)
            {
                var op = TestUscc.Fresh();
                var list = new List<Domain.Violation>();
                for (var k = random.Next(1, 4); k > 0; k--)
                {
                    var offense = Offenses[random.Next(Offenses.Length)];
                    var severity = (Severity)random.Next(1, 4);
                    var decided = now.AddDays(-random.Next(1, 1300)).AddSeconds(-random.Next(86_400));
                    var heavier = random.Next(4) == 0;
                    var request = Requests.Violation(op, offense, severity, decided, heavier);
                    var response = await server.Regulator.RecordViolationAsync(request);
                    list.Add(ToDomain(response.Violation.ViolationId, request, decided));
                }

                Recorded[op] = list;
            }
        }
        finally
        {
            Seeded.Release();
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>What was recorded, as the reference scorer reads it.</summary>
    private static Domain.Violation ToDomain(string id, RecordViolationRequest r, DateTimeOffset decided) => new(
        id, r.OperatorId, r.OffenseCode, (Domain.Severity)(int)r.Severity, [], r.FineFen, r.IllegalGainsFen, r.HeavierPenalty,
        r.DecisionNumber, r.AuthorityCode, r.AuthorityName, decided, r.Description, "test", decided, []);

    [Fact]
    public async Task Simulate_ShippedPolicyAgainstItself_ReportsZeroChanges()
    {
        var (progress, report) = await SimulateAsync(new SimulatePolicyRequest { Document = PolicyDocuments.Shipped });
        Assert.Equal("2019.1", report.BaselineVersion);
        Assert.Equal("2019.1", report.CandidateVersion);
        Assert.True(report.OperatorsAssessed >= Recorded.Count);
        Assert.Equal(0, report.OperatorsChanged);
        Assert.Equal(0, report.ScoresChanged);
        Assert.Equal(0, report.NewlyListedCount);
        Assert.Equal(0, report.DelistedCount);
        Assert.Empty(report.Notices);
        Assert.All(report.Transitions, t => Assert.Equal(t.From, t.To));
        Assert.Equal(report.OperatorsAssessed, report.ScoreChanges.Single(b => b.MinDelta == 0 && b.MaxDelta == 0).Count);
        Assert.Equal(0, report.CheckReplay.ChecksChanged);
        Assert.Contains(progress, p => p.Phase == "operators" && p.Done == p.Total);
    }

    [Fact]
    public async Task Simulate_OneOffensesPointsDoubled_ReportsExactlyWhatTheReferenceScorerFinds()
    {
        var document = PolicyDocuments.Edited("2026.doubled", d => PolicyDocuments.DoublePoints(d, "FALSE_PROMOTION"));
        var candidate = PolicyLoader.Parse(document, "test");
        var shipped = PolicyLoader.Parse(PolicyDocuments.Shipped, "test");
        var asOf = DateTimeOffset.UtcNow.AddSeconds(-1);
        var (_, report) = await SimulateAsync(new SimulatePolicyRequest { Document = document, AsOf = Timestamp.FromDateTimeOffset(asOf) });

        var reference = new ReferenceScorer();
        var transitions = new Dictionary<(string, string), long>();
        var changed = 0;
        var scores = 0;
        var newlyListed = new List<string>();
        foreach (var (op, violations) in Recorded)
        {
            var history = new OperatorHistory(op, violations, []);
            var before = CreditSummary.From(reference.Assess(history, shipped, asOf));
            var after = CreditSummary.From(reference.Assess(history, candidate, asOf));
            var key = (WangJian.Credit.Server.Policies.SimulationReport.StateOf(before), WangJian.Credit.Server.Policies.SimulationReport.StateOf(after));
            transitions[key] = transitions.GetValueOrDefault(key) + 1;
            changed += after.DiffersInGradeOrListing(before) ? 1 : 0;
            scores += after.Score != before.Score ? 1 : 0;
            if (after.Blacklisted && !before.Blacklisted)
            {
                newlyListed.Add(op);
            }
        }

        // Only this class's server, so only this fixture's operators.
        Assert.Equal(Recorded.Count, report.OperatorsAssessed);
        Assert.True(changed > 0, "the seeded histories should include grade changes under the doubled points");
        Assert.Equal(changed, report.OperatorsChanged);
        Assert.Equal(scores, report.ScoresChanged);
        Assert.Equal(
            transitions.Where(t => t.Value > 0).Select(t => $"{t.Key.Item1}>{t.Key.Item2}:{t.Value}").Order(),
            report.Transitions.Select(t => $"{t.From}>{t.To}:{t.Count}").Order());
        Assert.Equal(newlyListed.Order(StringComparer.Ordinal), report.NewlyListed);
    }

    [Fact]
    public async Task Simulate_MeasureEffectChanged_ReplayFindsTheSeededCheckThatWouldFlip()
    {
        var op = TestUscc.Fresh();
        var decided = DateTimeOffset.UtcNow.AddDays(-20);
        var request = Requests.Violation(op, "COUNTERFEIT_GOODS", Severity.Serious, decided, heavier: true);
        var recorded = await server.Regulator.RecordViolationAsync(request);
        // The other tests of the class compare reports over every operator of this server.
        Recorded[op] = [ToDomain(recorded.Violation.ViolationId, request, decided)];
        var check = await server.AgencyClient("NDRC").CheckOperatorAsync(new CheckOperatorRequest { OperatorId = op, Matter = "GOV_FUNDING" });
        Assert.Equal(CheckDecision.Prohibit, check.Decision);

        var document = PolicyDocuments.Edited("2026.softer", d => PolicyDocuments.Effect(d, "NDRC", "GOV_FUNDING", "ENHANCED_REVIEW"));
        var (_, report) = await SimulateAsync(new SimulatePolicyRequest { Document = document });
        Assert.Equal(0, report.OperatorsChanged);
        var replay = report.CheckReplay;
        Assert.True(replay.ChecksReplayed >= 1);
        var example = Assert.Single(replay.Examples, e => e.CheckId == check.CheckId);
        Assert.Equal((op, "NDRC", "GOV_FUNDING", CheckDecision.Prohibit, CheckDecision.EnhancedReview), (example.OperatorId, example.AgencyCode, example.Matter, example.Before, example.After));
        Assert.Contains(replay.Flips, f => f.AgencyCode == "NDRC" && f.Matter == "GOV_FUNDING" && f.Before == CheckDecision.Prohibit && f.After == CheckDecision.EnhancedReview && f.Count >= 1);

        // A range that ends before the check does not replay it.
        var (_, earlier) = await SimulateAsync(new SimulatePolicyRequest { Document = document, ChecksTo = Timestamp.FromDateTimeOffset(check.CheckTime.ToDateTimeOffset().AddSeconds(-1)) });
        Assert.DoesNotContain(earlier.CheckReplay.Examples, e => e.CheckId == check.CheckId);
    }

    [Fact]
    public async Task Validate_NamesEveryErrorByEntry()
    {
        var good = await Admin.ValidatePolicyAsync(new ValidatePolicyRequest { Document = PolicyDocuments.Edited("2026.ok", _ => { }) });
        Assert.True(good.Valid);
        Assert.Equal("2026.ok", good.Version);
        Assert.False(good.VersionPublished);

        var shipped = await Admin.ValidatePolicyAsync(new ValidatePolicyRequest { Document = PolicyDocuments.Shipped });
        Assert.True(shipped.Valid && shipped.VersionPublished);

        var broken = PolicyDocuments.Edited("2026.bad", d =>
        {
            d["offenses"]![0]!["points"] = new System.Text.Json.Nodes.JsonArray(40, 20, 8, 4);
            d["grades"]!["c"] = -5;
        });
        var bad = await Admin.ValidatePolicyAsync(new ValidatePolicyRequest { Document = broken });
        Assert.False(bad.Valid);
        Assert.Contains(bad.Errors, e => e.StartsWith("offenses[0] (FAKE_TRANSACTION)", StringComparison.Ordinal) && e.Contains("not decrease", StringComparison.Ordinal));
        Assert.True(bad.Errors.Count >= 2, string.Join("; ", bad.Errors));

        var dropped = PolicyDocuments.Edited("2026.dropped", d => d["offenses"]!.AsArray().RemoveAt(0));
        var removal = await Admin.ValidatePolicyAsync(new ValidatePolicyRequest { Document = dropped });
        Assert.False(removal.Valid);
        Assert.Contains(removal.Errors, e => e.Contains("FAKE_TRANSACTION is missing", StringComparison.Ordinal));

        var notJson = await Admin.ValidatePolicyAsync(new ValidatePolicyRequest { Document = "{ \"version\": " });
        Assert.False(notJson.Valid);
        Assert.Single(notJson.Errors);
    }

    [Fact]
    public async Task BadRequests_AnsweredWithTheirReason()
    {
        var invalid = await Assert.ThrowsAsync<RpcException>(() => SimulateAsync(new SimulatePolicyRequest { Document = "{}" }));
        Assert.Contains("document", Requests.BadFields(invalid));

        var future = await Assert.ThrowsAsync<RpcException>(() => SimulateAsync(new SimulatePolicyRequest { Document = PolicyDocuments.Shipped, AsOf = PolicyDocuments.In(TimeSpan.FromDays(1)) }));
        Assert.Contains("as_of", Requests.BadFields(future));

        var past = await Assert.ThrowsAsync<RpcException>(() => Admin.PublishPolicyAsync(new PublishPolicyRequest
        {
            Document = PolicyDocuments.Edited("2026.past", _ => { }),
            EffectiveFrom = PolicyDocuments.In(TimeSpan.FromMinutes(-1)),
        }).ResponseAsync);
        Assert.Contains("effective_from", Requests.BadFields(past));

        var missing = await Assert.ThrowsAsync<RpcException>(() => Admin.PublishPolicyAsync(new PublishPolicyRequest { Document = PolicyDocuments.Edited("2026.none", _ => { }) }).ResponseAsync);
        Assert.Contains("effective_from", Requests.BadFields(missing));

        var again = await Assert.ThrowsAsync<RpcException>(() => Admin.PublishPolicyAsync(new PublishPolicyRequest
        {
            Document = PolicyDocuments.Shipped,
            EffectiveFrom = PolicyDocuments.In(TimeSpan.FromDays(400)),
        }).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, again.StatusCode);

        var regulator = new PolicyService.PolicyServiceClient(server.As("regulator"));
        var denied = await Assert.ThrowsAsync<RpcException>(() => regulator.PublishPolicyAsync(new PublishPolicyRequest
        {
            Document = PolicyDocuments.Edited("2026.regulator", _ => { }),
            EffectiveFrom = PolicyDocuments.In(TimeSpan.FromDays(400)),
        }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);

        var platform = new PolicyService.PolicyServiceClient(server.As("platform"));
        var notReader = await Assert.ThrowsAsync<RpcException>(() => platform.ListPoliciesAsync(new ListPoliciesRequest()).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, notReader.StatusCode);
    }

    private async Task<(List<V1.SimulationProgress> Progress, V1.SimulationReport Report)> SimulateAsync(SimulatePolicyRequest request)
    {
        using var call = Admin.SimulatePolicy(request, deadline: DateTime.UtcNow.AddMinutes(2));
        var progress = new List<V1.SimulationProgress>();
        V1.SimulationReport? report = null;
        await foreach (var m in call.ResponseStream.ReadAllAsync())
        {
            if (m.Progress is { } p)
            {
                progress.Add(p);
            }
            else
            {
                report = m.Report;
            }
        }

        return (progress, report ?? throw new InvalidOperationException("no report"));
    }
}
