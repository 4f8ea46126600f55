namespace WangJian.Credit.Domain;

/// <summary>A measure that bears on a checked matter, with its effect on it.</summary>
public sealed record AppliedMeasure(MeasureDefinition Measure, MeasureEffect Effect);

/// <summary>The answer to "may this operator be granted this matter by this agency?" (docs/policy.md §5, 应查必查).</summary>
public sealed record CheckAnswer(CheckDecision Decision, IReadOnlyList<AppliedMeasure> Measures);

/// <summary>
/// Decides a pre-approval check from the measures in force: while the operator is listed, every
/// measure of the asking agency that names the matter applies, and the strictest effect wins.
/// </summary>
public static class PreApprovalCheck
{
    /// <summary>Every matter the measure catalogue names: a check about anything else is a caller's mistake.</summary>
    public static IReadOnlySet<string> KnownMatters(CreditPolicy policy) =>
        policy.Measures.SelectMany(m => m.Matters).Select(m => m.Matter).ToHashSet(StringComparer.Ordinal);

    public static CheckAnswer Decide(Assessment assessment, CreditPolicy policy, string agency, string matter)
    {
        if (!assessment.Blacklisted)
        {
            return new CheckAnswer(CheckDecision.Allow, []);
        }

        var applied = policy.Measures
            .Where(m => m.Agency == agency)
            .SelectMany(m => m.Matters.Where(x => x.Matter == matter).Select(x => new AppliedMeasure(m, x.Effect)))
            .ToArray();
        if (applied.Length == 0)
        {
            return new CheckAnswer(CheckDecision.Allow, []);
        }

        var decision = applied.Any(a => a.Effect == MeasureEffect.Prohibit) ? CheckDecision.Prohibit : CheckDecision.EnhancedReview;
        return new CheckAnswer(decision, applied);
    }
}
