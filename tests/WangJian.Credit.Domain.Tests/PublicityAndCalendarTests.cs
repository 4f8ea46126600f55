using System.Text.Json.Nodes;
using WangJian.Credit.Domain;
using WangJian.Credit.Rules;

namespace WangJian.Credit.Domain.Tests;

/// <summary>The working-day calendar, the publicity periods of SAMR Order No. 45, and their place in the policy file.</summary>
[Trait("Category", "Unit")]
public class PublicityAndCalendarTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 15, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public void DueAt_AcrossNationalDay_SkipsTheHolidaysAndCountsTheAdjustedSaturday()
    {
        // Holidays 1–7 October, Saturday 10 October worked (调休); submitted Wednesday 30 September, 10:00 China time.
        var holidays = Enumerable.Range(1, 7).Select(d => new DateOnly(2026, 10, d));
        var calendar = new WorkingCalendar(holidays, [new DateOnly(2026, 10, 10)]);
        var submitted = new DateTimeOffset(2026, 9, 30, 10, 0, 0, TimeSpan.FromHours(8));

        // 8, 9, 10 (Sat, worked), 12, 13, 14, 15, 16, 19, 20 October: due at the end of 20 October, China time.
        Assert.Equal(new DateTimeOffset(2026, 10, 21, 0, 0, 0, TimeSpan.FromHours(8)), calendar.DueAt(submitted, 10));
        Assert.Equal(new DateTimeOffset(2026, 10, 15, 0, 0, 0, TimeSpan.FromHours(8)), WorkingCalendar.Plain.DueAt(submitted, 10));
    }

    [Fact]
    public void DueAt_CountsTheChinaDate_NotTheUtcOne()
    {
        // 17:00 UTC on Friday is already Saturday 01:00 in China: the first working day is Monday either way,
        // but a Thursday 17:00 UTC submission is Friday in China, so Friday is not counted.
        var thursdayUtcEvening = new DateTimeOffset(2026, 10, 15, 17, 0, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 10, 20, 0, 0, 0, TimeSpan.FromHours(8)), WorkingCalendar.Plain.DueAt(thursdayUtcEvening, 1));
    }

    [Fact]
    public void Calendar_ADayBothHolidayAndWorkday_IsRefused_AndABadDateNamesTheSetting()
    {
        Assert.Throws<ArgumentException>(() => new WorkingCalendar([new DateOnly(2026, 10, 1)], [new DateOnly(2026, 10, 1)]));
        var e = Assert.Throws<FormatException>(() => WorkingCalendar.ParseDates(["2026-10-01,2026-02-30"], "Calendar:Holidays"));
        Assert.Contains("2026-02-30", e.Message, StringComparison.Ordinal);
        Assert.Contains("Calendar:Holidays", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { PenaltyKind.Warning }, 0L, false, 3)]
    [InlineData(new[] { PenaltyKind.Fine }, 3_000_000L, false, 3)]
    [InlineData(new[] { PenaltyKind.Warning, PenaltyKind.Fine }, 3_000_000L, false, 3)]
    [InlineData(new[] { PenaltyKind.Fine }, 3_000_001L, false, 36)]
    [InlineData(new[] { PenaltyKind.Fine }, 20_000_000L, false, 36)]
    [InlineData(new[] { PenaltyKind.Fine, PenaltyKind.Confiscation }, 100_000L, false, 36)]
    [InlineData(new[] { PenaltyKind.Warning }, 0L, true, 36)]
    public void EndsAt_ShortForAWarningOrLowFine_LongOtherwise(PenaltyKind[] kinds, long fineFen, bool heavier, int months)
    {
        var v = Violation(kinds, fineFen, heavier);
        Assert.Equal(T0.AddMonths(months), Publicity.EndsAt(v, PublicityPolicy.Default));
        Assert.True(Publicity.IsPublishedAt(v, PublicityPolicy.Default, T0.AddMonths(months).AddTicks(-1)));
        Assert.False(Publicity.IsPublishedAt(v, PublicityPolicy.Default, T0.AddMonths(months)));
        Assert.False(Publicity.IsPublishedAt(v, PublicityPolicy.Default, T0.AddTicks(-1)));
    }

    [Fact]
    public void EndsAt_RepairEndsPublicityAtTheRepair_RevocationNeverPublishes()
    {
        var repairedAt = T0.AddMonths(7);
        var repaired = Violation([PenaltyKind.Fine], 20_000_000, false) with
        {
            Changes = [new StatusChange(ViolationStatus.Repaired, repairedAt, "hz", "修复", repairedAt)],
        };
        Assert.Equal(repairedAt, Publicity.EndsAt(repaired, PublicityPolicy.Default));
        Assert.True(Publicity.IsPublishedAt(repaired, PublicityPolicy.Default, repairedAt.AddDays(-1)));

        var revoked = Violation([PenaltyKind.Fine], 20_000_000, false) with
        {
            Changes = [new StatusChange(ViolationStatus.Revoked, T0.AddDays(3), "hz", "撤销", T0.AddDays(3))],
        };
        Assert.Null(Publicity.EndsAt(revoked, PublicityPolicy.Default));
        Assert.False(Publicity.IsPublishedAt(revoked, PublicityPolicy.Default, T0.AddDays(1)));
    }

    [Fact]
    public void PolicyFile_CarriesThePublicityNumbers_AndABrokenSectionIsNamed()
    {
        var policy = PolicyLoader.Load();
        Assert.Equal(new PublicityPolicy(3_000_000, 3, 36), policy.Publicity);

        var root = JsonNode.Parse(File.ReadAllText(PolicyLoader.DefaultPath))!.AsObject();
        root["publicity"]!["shortMonths"] = 0;
        root["publicity"]!["lowFineThresholdFen"] = -1;
        var e = Assert.Throws<PolicyException>(() => PolicyLoader.Parse(root.ToJsonString(), "p.json"));
        Assert.Contains("publicity.shortMonths", e.Message, StringComparison.Ordinal);
        Assert.Contains("publicity.lowFineThresholdFen", e.Message, StringComparison.Ordinal);

        root.Remove("publicity");
        Assert.Equal(PublicityPolicy.Default, PolicyLoader.Parse(root.ToJsonString(), "p.json").Publicity);
    }

    private static Violation Violation(PenaltyKind[] kinds, long fineFen, bool heavier) => new(
        "v1", "91330100799655058B", "PRICE_MARKING", Severity.General, kinds, fineFen, 0, heavier, "杭市监价罚〔2026〕1号",
        "330100-SAMR", "杭州市市场监督管理局", T0, string.Empty, "hz", T0, []);
}
