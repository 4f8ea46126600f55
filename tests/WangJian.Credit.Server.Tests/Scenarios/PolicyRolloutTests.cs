using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// A version published to come into force a few seconds ahead, on a server of its own (a version changes
/// the scoring of every operator): statuses before and after the instant, as_of across it, the rollout's
/// changes on the feed (one POLICY change per changed operator) and the notices a new listing implies.
/// </summary>
[Trait("Category", "Scenario")]
public sealed class PolicyRolloutTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string NewVersion = "2026.rollout";

    private PolicyService.PolicyServiceClient Admin => new(server.As("admin"));

    [Fact]
    public async Task Publish_EffectiveSoon_OldVersionBeforeNewAfter_EachChangedOperatorAnnouncedOnceWithItsNotices()
    {
        var regulator = server.Regulator;
        var recent = DateTimeOffset.UtcNow.AddDays(-30);
        // FALSE_PROMOTION GENERAL: 8 points (A, 92) now; 16 under the new version (B, 84).
        var promoted = Enumerable.Range(0, 6).Select(_ => TestUscc.Fresh()).ToArray();
        // PRICE_MARKING is not changed: these stay as they are.
        var untouched = Enumerable.Range(0, 3).Select(_ => TestUscc.Fresh()).ToArray();
        // A heavier penalty for a listable offense 40 months ago: listed for 36 months (over now), for 48 under the new version.
        var relisted = TestUscc.Fresh();
        foreach (var op in promoted)
        {
            await regulator.RecordViolationAsync(Requests.Violation(op, "FALSE_PROMOTION", Severity.General, recent));
        }

        foreach (var op in untouched)
        {
            await regulator.RecordViolationAsync(Requests.Violation(op, "PRICE_MARKING", Severity.General, recent));
        }

        await regulator.RecordViolationAsync(Requests.Violation(relisted, "COUNTERFEIT_GOODS", Severity.Serious, DateTimeOffset.UtcNow.AddMonths(-40), heavier: true));
        var before = await server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = promoted[0] });
        Assert.Equal(Grade.A, before.Status.Grade);
        Assert.False((await server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = relisted })).Status.Blacklisted);

        var document = PolicyDocuments.Edited(NewVersion, d =>
        {
            PolicyDocuments.DoublePoints(d, "FALSE_PROMOTION");
            PolicyDocuments.ListFor(d, 48);
        });
        var effective = DateTimeOffset.UtcNow.AddSeconds(5);
        var published = await Admin.PublishPolicyAsync(new PublishPolicyRequest { Document = document, EffectiveFrom = Timestamp.FromDateTimeOffset(effective) });
        Assert.Equal(NewVersion, published.Policy.Version);
        Assert.Null(published.Approval);
        Assert.Equal(RolloutState.Scheduled, published.Policy.Rollout.State);

        // Before the instant: the old version.
        var stillOld = await server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = promoted[0] });
        Assert.True(DateTimeOffset.UtcNow < effective, "the machine was too slow to read before the effective instant");
        Assert.Equal("2019.1", stillOld.Status.PolicyVersion);
        Assert.Equal(Grade.A, stillOld.Status.Grade);
        // A status before the instant changes at the latest at it.
        Assert.True(stillOld.Status.NextChangeTime.ToDateTimeOffset() <= effective);

        var done = await WaitForRolloutAsync(NewVersion);
        Assert.True(DateTimeOffset.UtcNow >= effective);
        Assert.Equal(RolloutState.Done, done.Rollout.State);
        Assert.Equal(promoted.Length + untouched.Length + 1, done.Rollout.OperatorsAssessed);
        Assert.Equal(promoted.Length + 1, done.Rollout.OperatorsChanged);
        Assert.True(done.InForce);

        // After it: the new version, now and for as_of after the instant; as_of before it still the old one.
        foreach (var op in promoted)
        {
            var now = await server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op });
            Assert.Equal((NewVersion, Grade.B, 84d), (now.Status.PolicyVersion, now.Status.Grade, now.Status.Score));
            var then = await server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op, AsOf = Timestamp.FromDateTimeOffset(effective.AddSeconds(-1)) });
            Assert.Equal(("2019.1", Grade.A, 92d), (then.Status.PolicyVersion, then.Status.Grade, then.Status.Score));
            var at = await server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op, AsOf = Timestamp.FromDateTimeOffset(effective) });
            Assert.Equal(NewVersion, at.Status.PolicyVersion);
        }

        var listed = await server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = relisted });
        Assert.True(listed.Status.Blacklisted);
        Assert.Equal(NewVersion, listed.Status.PolicyVersion);

        // The feed: exactly one POLICY change for each changed operator, none for the others.
        var ours = promoted.Concat(untouched).Append(relisted).ToHashSet();
        // Everything the rollout announced is on the feed before a change recorded after it: read up to that.
        var marker = TestUscc.Fresh();
        await regulator.RecordViolationAsync(Requests.Violation(marker, "FALSE_PROMOTION", Severity.General, recent));
        var feed = await ChangeFeedTests.ReadUntil(server.Credit, new WatchCreditChangesRequest { FromBeginning = true }, c => c.OperatorId == marker);
        var policyChanges = feed.Where(c => c.Cause == ChangeCause.Policy && ours.Contains(c.OperatorId)).ToArray();
        Assert.Equal(promoted.Append(relisted).Order(), policyChanges.Select(c => c.OperatorId).Order());
        Assert.All(policyChanges.Where(c => c.OperatorId != relisted), c => Assert.Equal((Grade.A, Grade.B), (c.PreviousGrade, c.Grade)));
        var relisting = policyChanges.Single(c => c.OperatorId == relisted);
        Assert.True(relisting.Blacklisted && !relisting.WasBlacklisted);

        // The new listing's case: one IMPOSE notice per measure of each agency (NDRC pulls).
        var ndrc = server.AgencyClient("NDRC");
        var expected = PolicyDocuments.MeasuresOf("NDRC");
        var impose = Array.Empty<NoticeRecord>();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (impose.Length < expected && DateTimeOffset.UtcNow < deadline)
        {
            var page = await ndrc.ListNoticesAsync(new ListNoticesRequest { PageSize = 1000 });
            impose = page.Notices.Where(n => n.Notice.OperatorId == relisted && n.Notice.Kind == NoticeKind.Impose).ToArray();
            await Task.Delay(100);
        }

        Assert.Equal(expected, impose.Length);
    }

    [Fact]
    public async Task ListAndGet_ShowTheInitialVersionFromTheShippedFile()
    {
        var auditor = new PolicyService.PolicyServiceClient(server.As("auditor"));
        var list = await auditor.ListPoliciesAsync(new ListPoliciesRequest());
        var initial = list.Policies[0];
        Assert.Equal("2019.1", initial.Version);
        Assert.Equal(new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero), initial.EffectiveFrom.ToDateTimeOffset());
        Assert.Equal(RolloutState.NotNeeded, initial.Rollout.State);
        var got = await auditor.GetPolicyAsync(new GetPolicyRequest { Version = "2019.1" });
        Assert.Equal(PolicyDocuments.Shipped, got.Document);

        var missing = await Assert.ThrowsAsync<RpcException>(() => auditor.GetPolicyAsync(new GetPolicyRequest { Version = "1999.9" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    private async Task<PublishedPolicy> WaitForRolloutAsync(string version)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(90);
        while (true)
        {
            var p = (await Admin.GetPolicyAsync(new GetPolicyRequest { Version = version })).Policy;
            if (p.Rollout.State == RolloutState.Done || DateTimeOffset.UtcNow > deadline)
            {
                return p;
            }

            await Task.Delay(200);
        }
    }
}
