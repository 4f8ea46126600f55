using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>Repair applications and objections over real gRPC: routing, deadlines, decisions and their effects.</summary>
[Trait("Category", "Scenario")]
public sealed class ApplicationTests(OperatorFixture server) : IClassFixture<OperatorFixture>
{
    private static int number;

    [Fact]
    public async Task TooEarlyRepairApplication_IsRefusedWithTheEarliestDate()
    {
        var now = server.Clock.GetUtcNow();
        var v = await RecordAsync(server.OperatorA, now.AddMonths(-1).AddDays(-1), Severity.General);

        var e = await Assert.ThrowsAsync<RpcException>(() => server.Operator().SubmitRepairApplicationAsync(Repair(server.OperatorA, v.ViolationId)).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        var failure = e.GetRpcStatus()!.GetDetail<PreconditionFailure>();
        Assert.Equal("TOO_EARLY", failure.Violations[0].Type);
        Assert.Equal(v.DecidedAt.ToDateTimeOffset().AddMonths(6), DateTimeOffset.Parse(failure.Violations[0].Subject, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task OnTimeApplication_IsInTheDecidingAuthoritysInboxOnly_AndApprovalRepairsIt_AndTheFeedAndOperatorSeeIt()
    {
        var op = server.Operators["op-c"];
        var v = await RecordAsync(op, server.Clock.GetUtcNow().AddMonths(-7), Severity.Serious);
        var before = (await server.Credit().GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op })).Status;

        var submitted = (await server.Operator("op-c").SubmitRepairApplicationAsync(Repair(op, v.ViolationId))).Application;
        Assert.Equal(ApplicationState.Submitted, submitted.State);
        Assert.Equal(["330100-SAMR"], submitted.AuthorityCodes);

        // A second application for the same violation: ALREADY_EXISTS naming the open one.
        var again = await Assert.ThrowsAsync<RpcException>(() => server.Operator("op-c").SubmitRepairApplicationAsync(Repair(op, v.ViolationId)).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, again.StatusCode);
        Assert.Equal(submitted.ApplicationId, again.GetRpcStatus()!.GetDetail<ResourceInfo>().ResourceName);

        Assert.Contains(await InboxAsync("hz"), a => a.ApplicationId == submitted.ApplicationId);
        Assert.Contains(await InboxAsync("zj"), a => a.ApplicationId == submitted.ApplicationId);
        Assert.DoesNotContain(await InboxAsync("sz"), a => a.ApplicationId == submitted.ApplicationId);
        var denied = await Assert.ThrowsAsync<RpcException>(() => server.Regulator("sz").DecideApplicationAsync(Decide(submitted.ApplicationId, true)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);

        var decided = await server.Regulator("hz").DecideApplicationAsync(Decide(submitted.ApplicationId, true));

        Assert.Equal(ApplicationState.Approved, decided.Application.State);
        Assert.Equal(ViolationStatus.Repaired, decided.Violation.Status);
        Assert.Equal(Grade.B, before.Grade);
        Assert.Equal(Grade.A, decided.Status.Grade);
        var history = await server.Regulator("hz").ListViolationsAsync(new ListViolationsRequest { OperatorId = op });
        Assert.Equal(ViolationStatus.Repaired, history.Violations.Single(x => x.ViolationId == v.ViolationId).Status);
        var mine = await server.Operator("op-c").ListMyApplicationsAsync(new ListMyApplicationsRequest { OperatorId = op });
        var seen = mine.Applications.Single(a => a.ApplicationId == submitted.ApplicationId);
        Assert.Equal(ApplicationState.Approved, seen.State);
        Assert.Equal("hz", seen.DecidedBy);
        Assert.DoesNotContain(await InboxAsync("hz"), a => a.ApplicationId == submitted.ApplicationId);

        var change = await FeedChangeAsync(op, ChangeCause.Repaired);
        Assert.Equal(Grade.B, change.PreviousGrade);
        Assert.Equal(Grade.A, change.Grade);
    }

    [Fact]
    public async Task ApprovedListingRepair_LiftsTheMeasuresAtTheAgencies()
    {
        var b = server.OperatorB;
        await server.Regulator("hz").RecordViolationAsync(Requests.Violation(b, decidedAt: server.Clock.GetUtcNow().AddMonths(-13), heavier: true));
        var application = (await server.Operator("op-b").SubmitRepairApplicationAsync(new SubmitRepairApplicationRequest
        {
            OperatorId = b,
            Listing = true,
            Statement = "已履行行政处罚，整改完毕",
            CommitmentAccepted = true,
        })).Application;
        Assert.True(application.Listing);

        var decided = await server.Regulator("zj").DecideApplicationAsync(Decide(application.ApplicationId, true));

        Assert.False(decided.Status.Blacklisted);
        var agency = new AgencyService.AgencyServiceClient(server.As("ndrc"));
        var lifts = await EventuallyAsync(async () =>
        {
            var notices = await agency.ListNoticesAsync(new ListNoticesRequest { PageSize = 1000 });
            var mine = notices.Notices.Where(n => n.Notice.OperatorId == b && n.Notice.Kind == NoticeKind.Lift).ToArray();
            return mine.Length > 0 ? mine : null;
        });
        Assert.All(lifts, n => Assert.Equal("NDRC", n.Notice.AgencyCode));
    }

    [Fact]
    public async Task DueDate_IsTenWorkingDaysOnTheCalendar_WithTheHolidayAndTheAdjustedWorkingDay()
    {
        var v = await RecordAsync(server.OperatorA, server.Clock.GetUtcNow().AddMonths(-8), Severity.General);
        var submitted = (await server.Operator().SubmitRepairApplicationAsync(Repair(server.OperatorA, v.ViolationId))).Application;

        // Counted here day by day: the day of submission not counted, weekends off, the holiday off, the adjusted Saturday on.
        var china = TimeSpan.FromHours(8);
        var day = DateOnly.FromDateTime(submitted.SubmitTime.ToDateTimeOffset().ToOffset(china).DateTime);
        var counted = 0;
        var sawHoliday = false;
        var sawExtra = false;
        while (counted < 10)
        {
            day = day.AddDays(1);
            var weekend = day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
            sawHoliday |= day == server.Holiday;
            sawExtra |= day == server.ExtraWorkday;
            if (day == server.ExtraWorkday || (!weekend && day != server.Holiday))
            {
                counted++;
            }
        }

        Assert.True(sawHoliday && sawExtra, "the calendar's holiday and adjusted working day fall inside the period");
        var expected = new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), china);
        Assert.Equal(expected, submitted.DueTime.ToDateTimeOffset());
        Assert.False(submitted.Overdue);
    }

    [Fact]
    public async Task ApprovedObjection_RevokesTheViolation_RejectedOneChangesNothing_WithdrawnOneLeavesTheInbox()
    {
        var op = server.OperatorA;
        var wrong = await RecordAsync(op, server.Clock.GetUtcNow().AddDays(-10), Severity.General);
        var right = await RecordAsync(op, server.Clock.GetUtcNow().AddDays(-9), Severity.General);
        var third = await RecordAsync(op, server.Clock.GetUtcNow().AddDays(-8), Severity.General);

        var objection = (await server.Operator().SubmitObjectionAsync(new SubmitObjectionRequest
        {
            OperatorId = op,
            ViolationId = wrong.ViolationId,
            Grounds = "处罚决定已被行政复议撤销",
            Evidence = { new EvidenceItem { Name = "复议决定书.pdf", Sha256 = new string('a', 64), SizeBytes = 12345, MediaType = "application/pdf" } },
        })).Application;
        Assert.Equal(ApplicationKind.Objection, objection.Kind);
        var rejected = (await server.Operator().SubmitObjectionAsync(new SubmitObjectionRequest { OperatorId = op, ViolationId = right.ViolationId, Grounds = "不服" })).Application;
        var withdrawn = (await server.Operator().SubmitObjectionAsync(new SubmitObjectionRequest { OperatorId = op, ViolationId = third.ViolationId, Grounds = "误录" })).Application;

        var approved = await server.Regulator("hz").DecideApplicationAsync(Decide(objection.ApplicationId, true));
        Assert.Equal(ViolationStatus.Revoked, approved.Violation.Status);
        var no = await server.Regulator("hz").DecideApplicationAsync(Decide(rejected.ApplicationId, false));
        Assert.Equal(ApplicationState.Rejected, no.Application.State);
        Assert.Null(no.Violation);
        var w = await server.Operator().WithdrawApplicationAsync(new WithdrawApplicationRequest { OperatorId = op, ApplicationId = withdrawn.ApplicationId });
        Assert.Equal(ApplicationState.Withdrawn, w.Application.State);

        var history = await server.Regulator("hz").ListViolationsAsync(new ListViolationsRequest { OperatorId = op });
        Assert.Equal(ViolationStatus.Revoked, history.Violations.Single(x => x.ViolationId == wrong.ViolationId).Status);
        Assert.Equal(ViolationStatus.Active, history.Violations.Single(x => x.ViolationId == right.ViolationId).Status);
        Assert.Equal(ViolationStatus.Active, history.Violations.Single(x => x.ViolationId == third.ViolationId).Status);
        var inbox = await InboxAsync("hz");
        Assert.DoesNotContain(inbox, a => a.ApplicationId == withdrawn.ApplicationId || a.ApplicationId == rejected.ApplicationId);
        var again = await Assert.ThrowsAsync<RpcException>(() => server.Regulator("hz").DecideApplicationAsync(Decide(rejected.ApplicationId, true)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
    }

    [Fact]
    public async Task BadApplications_AreInvalidArgument_AndAnotherOperatorsAreDenied()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Operator().SubmitRepairApplicationAsync(new SubmitRepairApplicationRequest
        {
            OperatorId = server.OperatorA,
            ViolationId = "v0",
            Statement = "",
            Evidence = { new EvidenceItem { Name = "x", Sha256 = "nothex", SizeBytes = 0, MediaType = "application/pdf" } },
        }).ResponseAsync);
        Assert.Equal(["statement", "commitment_accepted", "evidence[0].sha256", "evidence[0].size_bytes"], Requests.BadFields(e));

        var other = await Assert.ThrowsAsync<RpcException>(() => server.Operator().SubmitRepairApplicationAsync(Repair(server.OperatorB, "v0")).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, other.StatusCode);
        var platform = await Assert.ThrowsAsync<RpcException>(() => new OperatorService.OperatorServiceClient(server.As("screening")).GetCreditFileAsync(new GetCreditFileRequest { OperatorId = server.OperatorA }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, platform.StatusCode);
    }

    private async Task<Violation> RecordAsync(string op, DateTimeOffset decidedAt, Severity severity)
    {
        var request = Requests.Violation(op, offense: "PRICE_FRAUD", severity: severity, decidedAt: decidedAt, decisionNumber: $"杭市监处罚〔2026〕{Interlocked.Increment(ref number)}{Random.Shared.Next(100000)}号");
        return (await server.Regulator("hz").RecordViolationAsync(request)).Violation;
    }

    private async Task<IReadOnlyList<Application>> InboxAsync(string regulator) =>
        (await server.Regulator(regulator).ListApplicationsAsync(new ListApplicationsRequest { PageSize = 1000 })).Applications;

    private static SubmitRepairApplicationRequest Repair(string op, string violationId) => new()
    {
        OperatorId = op,
        ViolationId = violationId,
        Statement = "已按期缴纳罚款并完成整改",
        CommitmentAccepted = true,
        Evidence = { new EvidenceItem { Name = "缴款凭证.pdf", Sha256 = new string('0', 63) + "1", SizeBytes = 2048, MediaType = "application/pdf" } },
    };

    private static DecideApplicationRequest Decide(string id, bool approve) => new()
    {
        ApplicationId = id,
        Decision = approve ? ApprovalDecision.Approve : ApprovalDecision.Reject,
        Reason = approve ? "材料齐全，同意修复" : "材料不足",
    };

    private async Task<WatchCreditChangesResponse> FeedChangeAsync(string op, ChangeCause cause)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = server.Credit().WatchCreditChanges(new WatchCreditChangesRequest { FromBeginning = true }, cancellationToken: cts.Token);
        await foreach (var change in call.ResponseStream.ReadAllAsync(cts.Token))
        {
            if (change.OperatorId == op && change.Cause == cause)
            {
                return change;
            }
        }

        throw new InvalidOperationException("the feed ended");
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe)
        where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("not seen within 30 s");
            }

            await Task.Delay(100);
        }
    }
}
