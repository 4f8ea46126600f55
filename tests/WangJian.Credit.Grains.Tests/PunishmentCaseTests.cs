using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains.Tests;

[Trait("Category", "Unit")]
public sealed class PunishmentCaseTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private DateTimeOffset Now => fixture.Time.GetUtcNow();

    [Fact]
    public async Task Listing_OpensCaseWithEveryMeasure_RevocationLiftsEach()
    {
        var op = TestData.FreshUscc();
        var grain = fixture.Grains.GetGrain<IOperatorGrain>(op);
        var recorded = await grain.RecordViolationAsync(TestData.Draft(op, Now.AddDays(-1), "FAKE_REVIEW_ORGANIZING", Severity.EspeciallySerious), "a");
        Assert.True(recorded.Assessment!.Blacklisted);

        var opened = Assert.Single(await grain.GetPunishmentCasesAsync());
        Assert.True(opened.IsOpen);
        Assert.Equal("system", opened.OpenedBy);
        Assert.Equal(fixture.Policy.Measures.Count, opened.Notices.Count);
        Assert.Equal(fixture.Policy.Measures.Select(m => (m.Agency, m.Code)).Order(), opened.Notices.Select(n => (n.Agency, n.MeasureCode)).Order());

        await grain.RevokeViolationAsync(recorded.Violation!.Id, "overturned", "a", null);

        var lifted = Assert.Single(await grain.GetPunishmentCasesAsync());
        Assert.False(lifted.IsOpen);
        Assert.Equal("the violation behind the listing was revoked", lifted.LiftReason);
        Assert.Equal(opened.Notices.Count * 2, lifted.Notices.Count);

        // Every agency's log has its IMPOSE notices and then their LIFTs, each once, by the time the
        // command answers: the operator's outbox is published before the answer.
        foreach (var agency in Agencies.All)
        {
            var mine = lifted.Notices.Where(n => n.Agency == agency).Select(n => n.NoticeId).ToHashSet();
            var log = fixture.Notices.Log(agency);
            var ofCase = log.Where(n => n.Notice.CaseId == lifted.CaseId).ToArray();
            Assert.Equal(mine.Order(), ofCase.Select(n => n.Notice.NoticeId).Order());
            Assert.True(ofCase.TakeWhile(n => n.Notice.Kind == NoticeKind.Impose).Count() == ofCase.Length / 2, "IMPOSE notices come before their LIFTs");
        }
    }

    [Fact]
    public async Task OpenPunishmentCaseAsync_NotListed_FailedPrecondition()
    {
        var op = TestData.FreshUscc();
        var outcome = await fixture.Grains.GetGrain<IOperatorGrain>(op).OpenPunishmentCaseAsync("regulator", "manual");
        Assert.Equal(CommandErrorKind.FailedPrecondition, outcome.Error!.Kind);
    }

    [Fact]
    public async Task OpenPunishmentCaseAsync_ListedWithOpenCase_ReturnsTheSameCase()
    {
        var op = TestData.FreshUscc();
        var grain = fixture.Grains.GetGrain<IOperatorGrain>(op);
        await grain.RecordViolationAsync(TestData.Draft(op, Now.AddDays(-2), "PRICE_GOUGING", Severity.General, heavier: true), "a");
        var automatic = Assert.Single(await grain.GetPunishmentCasesAsync());

        var manual = await grain.OpenPunishmentCaseAsync("regulator", "manual");

        Assert.False(manual.Created);
        Assert.Equal(automatic.CaseId, manual.Case!.CaseId);
        Assert.Single(await grain.GetPunishmentCasesAsync());
    }
}
