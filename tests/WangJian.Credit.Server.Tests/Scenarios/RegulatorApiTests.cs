using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

[Collection(ServerCollection.Name)]
[Trait("Category", "Scenario")]
public sealed class RegulatorApiTests(ServerFixture server)
{
    [Fact]
    public async Task RecordViolation_OneGeneralFakeReviewOrganizing_ScoresBaseAndGradeB()
    {
        var op = TestUscc.Fresh();
        var response = await server.Regulator.RecordViolationAsync(Requests.Violation(op));

        Assert.True(response.Created);
        Assert.Equal(ViolationStatus.Active, response.Violation.Status);
        Assert.Equal("FAKE_REVIEW", response.Violation.Family);
        Assert.Equal("dev-regulator", response.Violation.RecordedBy);
        // docs/policy.md §4.1: GENERAL FAKE_REVIEW_ORGANIZING is 15 points; §4.4: 85 is grade B.
        Assert.Equal(85, response.Status.Score);
        Assert.Equal(Grade.B, response.Status.Grade);
        Assert.False(response.Status.Blacklisted);
        var deduction = Assert.Single(response.Status.Deductions);
        Assert.Equal(15, deduction.Points);
        Assert.Equal(response.Violation.ViolationId, deduction.ViolationId);
        Assert.Contains("Anti-Unfair Competition Law", deduction.LegalBasis);
        Assert.Equal("2019.1", response.Status.PolicyVersion);
    }

    [Fact]
    public async Task RecordViolation_RealUsccLowerCase_IsNormalised()
    {
        var response = await server.Regulator.RecordViolationAsync(Requests.Violation(TestUscc.Tencent.ToLowerInvariant(), "PRICE_MARKING", Severity.Minor));
        Assert.Equal(TestUscc.Tencent, response.Violation.OperatorId);
    }

    [Fact]
    public async Task RecordViolation_SameDecisionTwice_CountedOnce()
    {
        var op = TestUscc.Fresh();
        var request = Requests.Violation(op);
        var first = await server.Regulator.RecordViolationAsync(request);
        var second = await server.Regulator.RecordViolationAsync(request);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Violation.ViolationId, second.Violation.ViolationId);
        Assert.Equal(first.Status.Score, second.Status.Score);
        var list = await server.Regulator.ListViolationsAsync(new ListViolationsRequest { OperatorId = op });
        Assert.Equal(1, list.TotalSize);
    }

    [Fact]
    public async Task RecordViolation_SameDecisionDifferentContent_AlreadyExists()
    {
        var op = TestUscc.Fresh();
        var request = Requests.Violation(op);
        await server.Regulator.RecordViolationAsync(request);
        var changed = request.Clone();
        changed.FineFen += 1;

        var e = await Assert.ThrowsAsync<RpcException>(() => server.Regulator.RecordViolationAsync(changed).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, e.StatusCode);
    }

    public static TheoryData<string, Action<RecordViolationRequest>> InvalidRequests => new()
    {
        { "operator_id", r => r.OperatorId = "91330106673959654Q" },
        { "operator_id", r => r.OperatorId = "9133010667395965" },
        { "operator_id", r => r.OperatorId = "" },
        { "offense_code", r => r.OffenseCode = "SELLING_CLOUDS" },
        { "decision_number", r => r.DecisionNumber = "" },
        { "decided_at", r => r.DecidedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(2)) },
        { "decided_at", r => r.DecidedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(1999, 12, 31, 0, 0, 0, TimeSpan.Zero)) },
        { "decided_at", r => r.DecidedAt = null },
        { "decided_at", r => r.DecidedAt = new Timestamp { Seconds = 1_700_000_000, Nanos = -5 } },
        { "fine_fen", r => r.FineFen = -1 },
        { "illegal_gains_fen", r => r.IllegalGainsFen = -100 },
        { "severity", r => r.Severity = Severity.Unspecified },
        { "severity", r => r.Severity = (Severity)42 },
        { "authority_code", r => r.AuthorityCode = "" },
        { "authority_name", r => r.AuthorityName = " " },
        { "description", r => r.Description = new string('x', 2001) },
        { "penalty_kinds[1]", r => r.PenaltyKinds.Add((PenaltyKind)99) },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task RecordViolation_InvalidField_InvalidArgumentNamingField(string field, Action<RecordViolationRequest> spoil)
    {
        var request = Requests.Violation(TestUscc.Fresh());
        request.PenaltyKinds.Clear();
        request.PenaltyKinds.Add(PenaltyKind.Fine);
        spoil(request);

        var e = await Assert.ThrowsAsync<RpcException>(() => server.Regulator.RecordViolationAsync(request).ResponseAsync);
        Assert.Contains(field, Requests.BadFields(e));
        Assert.Contains(field, e.Status.Detail);
    }

    [Fact]
    public async Task RecordViolation_SeveralBadFields_AllReported()
    {
        var request = Requests.Violation("bad");
        request.FineFen = -1;
        request.DecisionNumber = "";

        var e = await Assert.ThrowsAsync<RpcException>(() => server.Regulator.RecordViolationAsync(request).ResponseAsync);
        Assert.Equal(["operator_id", "fine_fen", "decision_number"], Requests.BadFields(e).Order().Reverse().OrderBy(f => f == "operator_id" ? 0 : f == "fine_fen" ? 1 : 2));
    }

    [Fact]
    public async Task RecordViolation_InvalidUscc_MessageSaysWhichRuleFailed()
    {
        var request = Requests.Violation("91330106673959654Q");
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Regulator.RecordViolationAsync(request).ResponseAsync);
        Assert.Contains("requires 'P'", e.Status.Detail);
    }

    [Fact]
    public async Task RevokeViolation_ActiveViolation_ScoreBackTo100()
    {
        var op = TestUscc.Fresh();
        var recorded = await server.Regulator.RecordViolationAsync(Requests.Violation(op));

        var revoked = await server.Regulator.RevokeViolationAsync(new RevokeViolationRequest
        {
            OperatorId = op,
            ViolationId = recorded.Violation.ViolationId,
            Reason = "撤销：行政复议决定书 浙政复〔2026〕7号",
        });

        Assert.Equal(ViolationStatus.Revoked, revoked.Violation.Status);
        var change = Assert.Single(revoked.Violation.Changes);
        Assert.Equal("dev-regulator", change.ChangedBy);
        Assert.Equal(100, revoked.Status.Score);
        Assert.Equal(Grade.A, revoked.Status.Grade);
    }

    [Fact]
    public async Task RevokeViolation_WithoutReason_InvalidArgument()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Regulator.RevokeViolationAsync(new RevokeViolationRequest
        {
            OperatorId = TestUscc.Fresh(),
            ViolationId = "v00",
        }).ResponseAsync);
        Assert.Contains("reason", Requests.BadFields(e));
    }

    [Fact]
    public async Task RevokeViolation_UnknownViolation_NotFound()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Regulator.RevokeViolationAsync(new RevokeViolationRequest
        {
            OperatorId = TestUscc.Fresh(),
            ViolationId = "v0000",
            Reason = "court ruling",
        }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    [Fact]
    public async Task DecideRepair_TooEarly_FailedPreconditionWithEarliestDate()
    {
        var op = TestUscc.Fresh();
        var decided = DateTimeOffset.UtcNow.AddDays(-10);
        var recorded = await server.Regulator.RecordViolationAsync(Requests.Violation(op, "PRICE_FRAUD", decidedAt: decided));

        var e = await Assert.ThrowsAsync<RpcException>(() => server.Regulator.DecideRepairAsync(new DecideRepairRequest
        {
            OperatorId = op,
            ViolationId = recorded.Violation.ViolationId,
            Reason = "信用修复申请 2026-001",
        }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        var failure = e.GetRpcStatus()?.GetDetail<PreconditionFailure>();
        Assert.NotNull(failure);
        var earliest = DateTimeOffset.Parse(failure.Violations[0].Subject, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(recorded.Violation.DecidedAt.ToDateTimeOffset().AddMonths(6), earliest);
    }

    [Fact]
    public async Task DecideRepair_AfterSixMonths_ViolationRepairedAndStopsDeducting()
    {
        var op = TestUscc.Fresh();
        var recorded = await server.Regulator.RecordViolationAsync(Requests.Violation(op, "PRICE_FRAUD", decidedAt: DateTimeOffset.UtcNow.AddMonths(-7)));
        Assert.True(recorded.Status.Score < 100);

        var repaired = await server.Regulator.DecideRepairAsync(new DecideRepairRequest
        {
            OperatorId = op,
            ViolationId = recorded.Violation.ViolationId,
            Reason = "信用修复申请 2026-002",
        });

        Assert.Equal(ViolationStatus.Repaired, repaired.Violation.Status);
        Assert.Equal(100, repaired.Status.Score);
    }

    [Fact]
    public async Task DecideRepair_NoTarget_InvalidArgument()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Regulator.DecideRepairAsync(new DecideRepairRequest
        {
            OperatorId = TestUscc.Fresh(),
            Reason = "x",
        }).ResponseAsync);
        Assert.Contains("target", Requests.BadFields(e));
    }

    [Fact]
    public async Task ListViolations_ThreePagesOfTwo_EveryRecordOnce()
    {
        var op = TestUscc.Fresh();
        for (var i = 0; i < 5; i++)
        {
            await server.Regulator.RecordViolationAsync(Requests.Violation(op, "PRICE_MARKING", Severity.Minor));
        }

        var seen = new List<string>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await server.Regulator.ListViolationsAsync(new ListViolationsRequest { OperatorId = op, PageSize = 2, PageToken = token });
            Assert.Equal(5, page.TotalSize);
            seen.AddRange(page.Violations.Select(v => v.ViolationId));
            token = page.NextPageToken;
            pages++;
        }
        while (token != "");

        Assert.Equal(3, pages);
        Assert.Equal(5, seen.Distinct().Count());
    }

    [Fact]
    public async Task ListViolations_ForgedToken_InvalidArgument()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => server.Regulator.ListViolationsAsync(new ListViolationsRequest
        {
            OperatorId = TestUscc.Fresh(),
            PageToken = "not-a-token",
        }).ResponseAsync);
        Assert.Contains("page_token", Requests.BadFields(e));
    }
}
