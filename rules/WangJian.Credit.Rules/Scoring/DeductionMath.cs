using WangJian.Credit.Domain;
using WangJian.Credit.Rules.Facts;

namespace WangJian.Credit.Rules.Scoring;

/// <summary>The action shared by the age-band rules: docs/policy.md §4.3's formula over the components earlier rules set.</summary>
public static class DeductionMath
{
    public static void Deduct(ViolationFact v, Scorecard card, decimal ageWeight, string rule, DateTimeOffset bandEnd)
    {
        var basePoints = v.Offense.PointsFor(v.Severity);
        var raw = (basePoints + v.HeavierPoints) * v.RepeatMultiplier * v.HealthMultiplier * ageWeight;
        var applied = new string[v.RulesApplied.Count + 1];
        for (var i = 0; i < v.RulesApplied.Count; i++)
        {
            applied[i] = v.RulesApplied[i];
        }

        applied[^1] = rule;
        card.AddDeduction(
            v.Order,
            new Deduction(
                v.Id,
                v.Code,
                v.Family,
                v.Severity,
                v.Violation.DecisionNumber,
                v.Violation.AuthorityCode,
                v.DecidedAt,
                basePoints,
                v.HeavierPoints,
                v.RepeatOrdinal,
                v.RepeatMultiplier,
                v.HealthMultiplier,
                ageWeight,
                HalfPoints.Round(raw),
                rule,
                applied,
                v.Offense.LegalBasis));

        // The band this deduction was weighed in ends here: the weight halves or the deduction stops.
        card.ProposeChange(bandEnd);
    }
}
