using Google.Protobuf.WellKnownTypes;
using WangJian.Credit.Domain;
using WangJian.Credit.Rules;
using WangJian.Credit.Server.Grpc;
using Proto = WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Grpc;

[Trait("Category", "Unit")]
public sealed class ProtoMapperTests
{
    private static readonly CreditPolicy Policy = PolicyFile.Load();
    private static readonly DateTimeOffset Decided = new(2026, 1, 10, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void CreditStatus_OfAListedOperator_CarriesEveryDeductionTheListingAndItsRepairDate()
    {
        var violation = new Violation(
            Violation.IdFor("330100-SAMR", "杭市监处罚〔2026〕118号"), "91330106673959654P", "FAKE_REVIEW_ORGANIZING", Severity.General,
            [PenaltyKind.Fine, PenaltyKind.Suspension], 5_000_000, 0, true, "杭市监处罚〔2026〕118号", "330100-SAMR", "杭州市市场监督管理局",
            Decided, "组织虚假交易", "regulator", Decided, []);
        var assessment = new NRulesCreditScorer().Assess(new OperatorHistory("91330106673959654P", [violation], []), Policy, Decided.AddDays(5));

        var status = ProtoMapper.ToProto(assessment, Policy);

        Assert.Equal((assessment.Score, Proto.Grade.D, true, Policy.Version), ((decimal)status.Score, status.Grade, status.Blacklisted, status.PolicyVersion));
        Assert.Equal(Decided, status.Listing.ListedAt.ToDateTimeOffset());
        Assert.Equal(Months.Add(Decided, Policy.Listing.RepairAfterMonths), status.Listing.RepairableFrom.ToDateTimeOffset());
        Assert.Equal([violation.Id], status.Listing.Triggers.Single().ViolationIds);
        Assert.Equal(Policy.PlatformMeasures, status.PlatformMeasures);
        var d = Assert.Single(status.Deductions);
        var expected = assessment.Deductions.Single();
        Assert.Equal(
            (expected.ViolationId, expected.DecisionNumber, "330100-SAMR", Proto.Severity.General, (double)expected.BasePoints, (double)expected.HeavierPoints, (double)expected.Points, expected.LegalBasis),
            (d.ViolationId, d.DecisionNumber, d.AuthorityCode, d.Severity, d.BasePoints, d.HeavierPoints, d.Points, d.LegalBasis));
        Assert.Equal(expected.RulesApplied, d.RulesApplied);
        Assert.Equal(assessment.NextChangeAt, status.NextChangeTime.ToDateTimeOffset());
    }

    [Fact]
    public void At_IsTheSameStatusAtAnotherInstant_WithEveryFieldCopied()
    {
        var status = new Proto.CreditStatus
        {
            OperatorId = "91330106673959654P",
            AsOf = ProtoMapper.ToTimestamp(Decided),
            PolicyVersion = "2019.1",
            Score = 42.5,
            Grade = Proto.Grade.D,
            Blacklisted = true,
            Listing = new Proto.Listing { ListedAt = ProtoMapper.ToTimestamp(Decided) },
            NextChangeTime = ProtoMapper.ToTimestamp(Decided.AddYears(1)),
            Deductions = { new Proto.Deduction { ViolationId = "v1", Points = 57.5 } },
            PlatformMeasures = { "SEARCH_DEMOTION" },
        };
        // Every field is set, so a field added to the message later and not copied by At fails here.
        foreach (var field in Proto.CreditStatus.Descriptor.Fields.InFieldNumberOrder())
        {
            var value = field.Accessor.GetValue(status);
            Assert.True(
                value switch
                {
                    System.Collections.IList list => list.Count > 0,
                    string text => text.Length > 0,
                    double number => number != 0,
                    bool flag => flag,
                    System.Enum e => Convert.ToInt32(e) != 0,
                    _ => value is not null,
                },
                field.Name);
        }

        var later = Decided.AddDays(3);
        var expected = status.Clone();
        expected.AsOf = ProtoMapper.ToTimestamp(later);

        Assert.Equal(expected, ProtoMapper.At(status, later));
        Assert.Equal(ProtoMapper.ToTimestamp(Decided), status.AsOf);
    }

    [Fact]
    public void CreditStatus_WithNoRecord_IsHundredANotListed()
    {
        var status = ProtoMapper.ToProto(new NRulesCreditScorer().Assess(OperatorHistory.Empty("91330106673959654P"), Policy, Decided), Policy);

        Assert.Equal((100d, Proto.Grade.A, false), (status.Score, status.Grade, status.Blacklisted));
        Assert.Null(status.Listing);
        Assert.Empty(status.PlatformMeasures);
        Assert.Null(status.NextChangeTime);
    }

    [Fact]
    public void Enums_RoundTripEveryDomainValue()
    {
        Assert.All(System.Enum.GetValues<Severity>(), s => Assert.Equal(s, ProtoMapper.ToDomain(ProtoMapper.ToProto(s))));
        Assert.All(System.Enum.GetValues<PenaltyKind>(), k => Assert.Equal(k, ProtoMapper.ToDomain(ProtoMapper.ToProto(k))));
        Assert.All(System.Enum.GetValues<Grade>(), g => Assert.NotEqual(Proto.Grade.Unspecified, ProtoMapper.ToProto(g)));
        Assert.All(System.Enum.GetValues<ViolationStatus>(), s => Assert.NotEqual(Proto.ViolationStatus.Unspecified, ProtoMapper.ToProto(s)));
    }

    [Theory]
    [InlineData(0L, -1)]
    [InlineData(0L, 1_000_000_000)]
    [InlineData(253402300800L, 0)]
    [InlineData(-62135596801L, 0)]
    public void ToInstant_OutOfRange_IsAFieldViolationNotAnException(long seconds, int nanos)
    {
        var errors = new List<FieldViolation>();

        Assert.Null(ProtoMapper.ToInstant(new Timestamp { Seconds = seconds, Nanos = nanos }, "decided_at", errors));
        Assert.Equal("decided_at", Assert.Single(errors).Field);
    }

    [Fact]
    public void ToInstant_AbsentIsNullWithoutError()
    {
        var errors = new List<FieldViolation>();

        Assert.Null(ProtoMapper.ToInstant(null, "as_of", errors));
        Assert.Empty(errors);
    }
}
