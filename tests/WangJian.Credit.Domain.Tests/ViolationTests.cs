namespace WangJian.Credit.Domain.Tests;

[Trait("Category", "Unit")]
public class ViolationTests
{
    private static readonly DateTimeOffset Decided = new(2024, 3, 15, 8, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Recorded = new(2024, 3, 20, 9, 30, 0, TimeSpan.Zero);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private static Violation Make(
        string authority = "HZ-SAMR",
        string decision = "杭市监处罚〔2024〕118号",
        DateTimeOffset? decidedAt = null,
        params StatusChange[] changes) =>
        new(
            Violation.IdFor(authority, decision),
            "91330106673959654P",
            "FAKE_REVIEW",
            Severity.General,
            [PenaltyKind.Warning, PenaltyKind.Fine],
            50_000_00,
            1_234_56,
            false,
            decision,
            authority,
            "杭州市市场监督管理局",
            decidedAt ?? Decided,
            "组织刷单 1,200 笔",
            "regulator-1",
            Recorded,
            changes);

    private static StatusChange Change(ViolationStatus to, DateTimeOffset at) =>
        new(to, at, "regulator-2", to == ViolationStatus.Revoked ? "overturned on review" : "credit repaired", at.AddDays(1));

    // ---- IdFor --------------------------------------------------------------------------------------

    [Fact]
    public void IdFor_SameDecision_IsDeterministic()
    {
        var a = Violation.IdFor("HZ-SAMR", "杭市监处罚〔2024〕118号");
        var b = Violation.IdFor("HZ-SAMR", "杭市监处罚〔2024〕118号");

        Assert.Equal(a, b);
        Assert.Matches("^v[0-9a-f]{20}$", a);
    }

    [Fact]
    public void IdFor_KnownInput_IsStableAcrossReleases()
    {
        // The id is persisted; pin it so that a change of the hashing is noticed.
        var hash = System.Security.Cryptography.SHA256.HashData("HZ-SAMR\n杭市监处罚〔2024〕118号"u8);
        var expected = "v" + Convert.ToHexStringLower(hash.AsSpan(0, 10));

        Assert.Equal(expected, Violation.IdFor("HZ-SAMR", "杭市监处罚〔2024〕118号"));
    }

    [Theory]
    [InlineData("HZ-SAMR", "杭市监处罚〔2024〕119号")]
    [InlineData("NB-SAMR", "杭市监处罚〔2024〕118号")]
    [InlineData("hz-samr", "杭市监处罚〔2024〕118号")]
    [InlineData("HZ-SAMR", "杭市监处罚〔2024〕118号 ")]
    [InlineData("HZ-SAMR杭市监处罚〔2024〕118号", "")]
    [InlineData("", "HZ-SAMR杭市监处罚〔2024〕118号")]
    public void IdFor_DifferentAuthorityOrDecision_Differs(string authority, string decision)
    {
        Assert.NotEqual(Violation.IdFor("HZ-SAMR", "杭市监处罚〔2024〕118号"), Violation.IdFor(authority, decision));
    }

    [Fact]
    public void IdFor_ManyDecisions_AreAllDistinct()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var authority in new[] { "HZ-SAMR", "NB-SAMR", "SZ-SAMR", "BJ-SAMR" })
        {
            for (var n = 1; n <= 2_000; n++)
            {
                Assert.True(ids.Add(Violation.IdFor(authority, $"市监处罚〔2024〕{n}号")), $"{authority} {n}");
            }
        }
    }

    [Fact]
    public void IdFor_SwappedFields_Differs()
    {
        Assert.NotEqual(Violation.IdFor("A", "B"), Violation.IdFor("B", "A"));
    }

    // ---- IsActiveAt ---------------------------------------------------------------------------------

    [Fact]
    public void IsActiveAt_NoChanges_ActiveFromDecidedAtOn()
    {
        var v = Make();

        Assert.Equal(ViolationStatus.Active, v.Status);
        Assert.False(v.IsRevoked);
        Assert.Null(v.RepairedAt);
        Assert.False(v.IsActiveAt(Decided - Tick));
        Assert.False(v.IsActiveAt(Decided.AddYears(-1)));
        Assert.True(v.IsActiveAt(Decided));
        Assert.True(v.IsActiveAt(Decided + Tick));
        Assert.True(v.IsActiveAt(Decided.AddYears(10)));
    }

    [Fact]
    public void IsActiveAt_OtherOffset_ComparesInstants()
    {
        var v = Make();
        var sameInstantInBeijing = Decided.ToOffset(TimeSpan.FromHours(8));

        Assert.True(v.IsActiveAt(sameInstantInBeijing));
        Assert.False(v.IsActiveAt(sameInstantInBeijing - Tick));
    }

    [Fact]
    public void IsActiveAt_Revoked_NeverActive()
    {
        var revokedAt = Decided.AddMonths(4);
        var v = Make(changes: Change(ViolationStatus.Revoked, revokedAt));

        Assert.Equal(ViolationStatus.Revoked, v.Status);
        Assert.True(v.IsRevoked);
        Assert.Null(v.RepairedAt);
        foreach (var t in new[] { Decided - Tick, Decided, Decided.AddMonths(1), revokedAt - Tick, revokedAt, revokedAt.AddYears(5) })
        {
            Assert.False(v.IsActiveAt(t), $"active at {t:O}");
        }
    }

    [Fact]
    public void IsActiveAt_Repaired_ActiveBeforeRepairOnlyAndNotBeforeDecision()
    {
        var repairedAt = Decided.AddMonths(6);
        var v = Make(changes: Change(ViolationStatus.Repaired, repairedAt));

        Assert.Equal(ViolationStatus.Repaired, v.Status);
        Assert.False(v.IsRevoked);
        Assert.Equal(repairedAt, v.RepairedAt);
        Assert.False(v.IsActiveAt(Decided - Tick));
        Assert.True(v.IsActiveAt(Decided));
        Assert.True(v.IsActiveAt(Decided.AddMonths(3)));
        Assert.True(v.IsActiveAt(repairedAt - Tick));
        Assert.False(v.IsActiveAt(repairedAt));
        Assert.False(v.IsActiveAt(repairedAt + Tick));
        Assert.False(v.IsActiveAt(repairedAt.AddYears(3)));
    }

    [Fact]
    public void IsActiveAt_RepairRecordedLater_UsesDecisionInstantNotRecordedAt()
    {
        var repairedAt = Decided.AddMonths(7);
        var change = new StatusChange(ViolationStatus.Repaired, repairedAt, "regulator-2", "credit repaired", repairedAt.AddMonths(2));
        var v = Make(changes: change);

        Assert.True(v.IsActiveAt(repairedAt - Tick));
        Assert.False(v.IsActiveAt(repairedAt));
        Assert.False(v.IsActiveAt(repairedAt.AddMonths(1)));
    }

    // ---- CompareChronologically ---------------------------------------------------------------------

    [Fact]
    public void CompareChronologically_DifferentDecidedAt_EarlierFirstWhateverTheAuthority()
    {
        var early = Make(authority: "ZZ", decision: "9", decidedAt: Decided);
        var late = Make(authority: "AA", decision: "1", decidedAt: Decided + Tick);

        Assert.True(Violation.CompareChronologically(early, late) < 0);
        Assert.True(Violation.CompareChronologically(late, early) > 0);
    }

    [Fact]
    public void CompareChronologically_SameInstant_AuthorityCodeThenDecisionNumberOrdinal()
    {
        var a = Make(authority: "HZ-SAMR", decision: "杭市监处罚〔2024〕2号");
        var b = Make(authority: "NB-SAMR", decision: "甬市监处罚〔2024〕1号");

        // Authority first, even though b's decision number sorts earlier.
        Assert.True(Violation.CompareChronologically(a, b) < 0);
        Assert.True(Violation.CompareChronologically(b, a) > 0);

        // Same authority: decision numbers ordinally ("118号" < "12号", since '1' < '2' at the 2nd digit).
        var n118 = Make(decision: "杭市监处罚〔2024〕118号");
        var n12 = Make(decision: "杭市监处罚〔2024〕12号");
        Assert.True(Violation.CompareChronologically(n118, n12) < 0);
        Assert.True(Violation.CompareChronologically(n12, n118) > 0);
    }

    [Fact]
    public void CompareChronologically_Ordinal_NotCultureOrCaseInsensitive()
    {
        // Ordinal: upper-case letters (0x41–0x5A) sort before lower-case (0x61–0x7A), unlike culture order.
        var upper = Make(authority: "SAMR-Z");
        var lower = Make(authority: "SAMR-a");
        Assert.True(Violation.CompareChronologically(upper, lower) < 0);

        var upperNumber = Make(decision: "B-1");
        var lowerNumber = Make(decision: "a-1");
        Assert.True(Violation.CompareChronologically(upperNumber, lowerNumber) < 0);
    }

    [Fact]
    public void CompareChronologically_SameInstantOtherOffset_TieBrokenByIdentity()
    {
        var utc = Make(authority: "B", decidedAt: Decided);
        var beijing = Make(authority: "A", decidedAt: Decided.ToOffset(TimeSpan.FromHours(8)));

        // Local clock of the Beijing value reads later, but the instant is the same: authority decides.
        Assert.True(Violation.CompareChronologically(beijing, utc) < 0);
    }

    [Fact]
    public void CompareChronologically_SameIdentityAndInstant_IsZero()
    {
        var v = Make();
        var recordedAgain = Make() with { RecordedBy = "importer", RecordedAt = Recorded.AddDays(3) };

        Assert.Equal(0, Violation.CompareChronologically(v, v));
        Assert.Equal(0, Violation.CompareChronologically(v, recordedAgain));
    }

    [Fact]
    public void CompareChronologically_ShuffledList_SortsToOneTotalOrder()
    {
        var expected = new List<Violation>
        {
            Make("A", "1", Decided),
            Make("A", "2", Decided),
            Make("B", "1", Decided),
            Make("A", "1", Decided.AddSeconds(1)),
            Make("A", "10", Decided.AddSeconds(1)),
            Make("A", "9", Decided.AddSeconds(1)),
            Make("a", "0", Decided.AddSeconds(1)),
            Make("A", "1", Decided.AddDays(1)),
        };

        var random = new Random(42);
        for (var round = 0; round < 50; round++)
        {
            var shuffled = expected.OrderBy(_ => random.Next()).ToList();
            shuffled.Sort(Violation.CompareChronologically);
            Assert.Equal(expected.Select(v => v.Id), shuffled.Select(v => v.Id));
        }

        // Antisymmetric and consistent with the expected order on every pair.
        for (var i = 0; i < expected.Count; i++)
        {
            for (var j = 0; j < expected.Count; j++)
            {
                Assert.Equal(Math.Sign(i.CompareTo(j)), Math.Sign(Violation.CompareChronologically(expected[i], expected[j])));
            }
        }
    }

    // ---- SameContentAs ------------------------------------------------------------------------------

    [Fact]
    public void SameContentAs_DifferentRecordedByAndRecordedAt_IsSame()
    {
        var v = Make();
        var again = v with { RecordedBy = "bulk-import", RecordedAt = Recorded.AddYears(1) };

        Assert.True(v.SameContentAs(again));
        Assert.True(again.SameContentAs(v));
    }

    [Fact]
    public void SameContentAs_StatusHistoryAndId_AreNotContent()
    {
        var v = Make();
        var repaired = v with { Changes = [Change(ViolationStatus.Repaired, Decided.AddMonths(6))], Id = "other" };

        Assert.True(v.SameContentAs(repaired));
    }

    [Fact]
    public void SameContentAs_EqualButDistinctInstances_IsSame()
    {
        var v = Make();
        var copy = v with
        {
            PenaltyKinds = [PenaltyKind.Warning, PenaltyKind.Fine],
            Description = new string("组织刷单 1,200 笔".ToCharArray()),
            DecidedAt = Decided.ToOffset(TimeSpan.FromHours(8)),
        };

        Assert.True(v.SameContentAs(copy));
    }

    [Fact]
    public void SameContentAs_PenaltyKindsInOtherOrder_IsSame()
    {
        var v = Make();

        Assert.True(v.SameContentAs(v with { PenaltyKinds = [PenaltyKind.Fine, PenaltyKind.Warning] }));
        Assert.False(v.SameContentAs(v with { PenaltyKinds = [PenaltyKind.Fine] }));
        Assert.False(v.SameContentAs(v with { PenaltyKinds = [PenaltyKind.Fine, PenaltyKind.Warning, PenaltyKind.Confiscation] }));
        Assert.False(v.SameContentAs(v with { PenaltyKinds = [] }));
    }

    public static TheoryData<string> ContentFields() =>
    [
        "OperatorId", "OffenseCode", "Severity", "PenaltyKinds", "FineFen", "IllegalGainsFen", "HeavierPenalty",
        "DecisionNumber", "AuthorityCode", "AuthorityName", "DecidedAt", "Description",
    ];

    [Theory]
    [MemberData(nameof(ContentFields))]
    public void SameContentAs_OneContentFieldDiffers_IsDifferent(string field)
    {
        var v = Make();
        var changed = field switch
        {
            "OperatorId" => v with { OperatorId = "91110302562134916R" },
            "OffenseCode" => v with { OffenseCode = "FAKE_TRANSACTION" },
            "Severity" => v with { Severity = Severity.Serious },
            "PenaltyKinds" => v with { PenaltyKinds = [PenaltyKind.Warning, PenaltyKind.Suspension] },
            "FineFen" => v with { FineFen = v.FineFen + 1 },
            "IllegalGainsFen" => v with { IllegalGainsFen = 0 },
            "HeavierPenalty" => v with { HeavierPenalty = true },
            "DecisionNumber" => v with { DecisionNumber = "杭市监处罚〔2024〕119号" },
            "AuthorityCode" => v with { AuthorityCode = "NB-SAMR" },
            "AuthorityName" => v with { AuthorityName = "宁波市市场监督管理局" },
            "DecidedAt" => v with { DecidedAt = Decided + Tick },
            "Description" => v with { Description = "组织刷单 1,201 笔" },
            _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
        };

        Assert.False(v.SameContentAs(changed), field);
        Assert.False(changed.SameContentAs(v), field);
    }
}
