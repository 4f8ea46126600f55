using System.Globalization;
using System.Text;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Rules.Tests;

/// <summary>Builders for histories and a canonical text form of assessments for exact comparison.</summary>
internal static class Histories
{
    public const string OperatorId = "91330106673959654P";

    public static readonly CreditPolicy Policy = PolicyLoader.Load();

    public static DateTimeOffset At(int year, int month, int day, int hour = 0, int minute = 0) =>
        new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    public static Violation V(
        string code,
        Severity severity,
        DateTimeOffset decidedAt,
        bool heavier = false,
        string authority = "SAMR",
        string? number = null,
        DateTimeOffset? repairedAt = null,
        DateTimeOffset? revokedAt = null)
    {
        // Derived from the content, not a counter, so that ids and tie-breaks do not depend on test order.
        number ??= string.Create(CultureInfo.InvariantCulture, $"杭市监处罚〔{decidedAt.UtcDateTime:yyyy}〕{code}-{decidedAt.UtcDateTime:MMddHHmmssfffffff}-{(int)severity}号");
        var changes = new List<StatusChange>();
        if (repairedAt is { } r)
        {
            changes.Add(new StatusChange(ViolationStatus.Repaired, r, "regulator", "credit repair approved", r));
        }

        if (revokedAt is { } x)
        {
            changes.Add(new StatusChange(ViolationStatus.Revoked, x, "regulator", "overturned on review", x));
        }

        return new Violation(
            Violation.IdFor(authority, number),
            OperatorId,
            code,
            severity,
            [heavier ? PenaltyKind.Suspension : PenaltyKind.Fine],
            100_000,
            0,
            heavier,
            number,
            authority,
            authority + " authority",
            decidedAt,
            "test record",
            "test",
            decidedAt,
            changes);
    }

    public static OperatorHistory History(params Violation[] violations) => new(OperatorId, violations, []);

    public static OperatorHistory History(IReadOnlyList<Violation> violations, params DateTimeOffset[] listingRepairs) =>
        new(OperatorId, violations, listingRepairs.Select(r => new ListingRepair(r, "regulator", "listing repair approved", r)).ToList());

    /// <summary>Everything two correct scorers must agree on, decimals by value, rule names of deductions left out.</summary>
    public static string Describe(Assessment a)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"score={N(a.Score)} grade={a.Grade} version={a.PolicyVersion} asOf={I(a.AsOf)} next={(a.NextChangeAt is { } n ? I(n) : "-")}\n");
        foreach (var d in a.Deductions)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  deduct {d.ViolationId} {d.OffenseCode}/{d.Family}/{d.Severity} {d.AuthorityCode}:{d.DecisionNumber} @{I(d.DecidedAt)} ");
            sb.Append(CultureInfo.InvariantCulture, $"base={N(d.BasePoints)} heavier={N(d.HeavierPoints)} repeat#{d.RepeatOrdinal}x{N(d.RepeatMultiplier)} health={N(d.HealthMultiplier)} age={N(d.AgeWeight)} points={N(d.Points)} basis={d.LegalBasis}\n");
        }

        if (a.Listing is { } l)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  listed {I(l.ListedAt)} .. {I(l.ExpiresAt)}\n");
            foreach (var t in l.Triggers)
            {
                sb.Append(CultureInfo.InvariantCulture, $"    trigger {I(t.At)} {t.Rule} [{string.Join(",", t.ViolationIds)}]\n");
            }
        }

        return sb.ToString();
    }

    /// <summary>The part of an assessment that only a new record or the passing of time can change.</summary>
    public static string Content(Assessment a)
    {
        var full = Describe(a);
        var header = full.IndexOf('\n', StringComparison.Ordinal);
        return $"score={N(a.Score)} grade={a.Grade}" + full[header..];
    }

    public static string Print(OperatorHistory h, DateTimeOffset asOf)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"asOf={I(asOf)}\n");
        foreach (var v in h.Violations)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  V(\"{v.OffenseCode}\", Severity.{v.Severity}, {I(v.DecidedAt)}, heavier: {v.HeavierPenalty}, authority: \"{v.AuthorityCode}\", number: \"{v.DecisionNumber}\"");
            if (v.Changes.Count > 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $", {v.Changes[^1].To}: {I(v.Changes[^1].At)}");
            }

            sb.Append(")\n");
        }

        foreach (var r in h.ListingRepairs)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  listing repair {I(r.At)}\n");
        }

        return sb.ToString();
    }

    private static string N(decimal d) => d.ToString("0.############", CultureInfo.InvariantCulture);

    private static string I(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
}
