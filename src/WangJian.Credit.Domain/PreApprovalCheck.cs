using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace WangJian.Credit.Domain;

/// <summary>A measure that bears on a checked matter, with its effect on it.</summary>
public sealed record AppliedMeasure(MeasureDefinition Measure, MeasureEffect Effect);

/// <summary>The answer to "may this operator be granted this matter by this agency?" (docs/policy.md §5, 应查必查).</summary>
public sealed record CheckAnswer(CheckDecision Decision, IReadOnlyList<AppliedMeasure> Measures)
{
    /// <summary>The codes of <see cref="Measures"/>, in order (what a stored check keeps).</summary>
    public IReadOnlyList<string> MeasureCodes { get; } = Measures.Select(m => m.Measure.Code).ToArray();
}

/// <summary>
/// Decides a pre-approval check from the measures in force: while the operator is listed, every
/// measure of the asking agency that names the matter applies, and the strictest effect wins.
/// </summary>
public static class PreApprovalCheck
{
    private static readonly CheckAnswer Allowed = new(CheckDecision.Allow, []);

    // The answer for a listed operator depends only on the policy, the agency and the matter, and agencies check
    // the same few matters all day: each is worked out once per policy object (the table lets a policy that is no
    // longer used go, e.g. a simulator's candidate). Only answers that apply a measure are kept, and those name an
    // agency and a matter of the catalogue, so the table is bounded by the catalogue whatever callers ask.
    private static readonly ConditionalWeakTable<CreditPolicy, ConcurrentDictionary<(string Agency, string Matter), CheckAnswer>> ListedAnswers = new();

    /// <summary>Every matter the measure catalogue names: a check about anything else is a caller's mistake.</summary>
    public static IReadOnlySet<string> KnownMatters(CreditPolicy policy) =>
        policy.Measures.SelectMany(m => m.Matters).Select(m => m.Matter).ToHashSet(StringComparer.Ordinal);

    public static CheckAnswer Decide(Assessment assessment, CreditPolicy policy, string agency, string matter)
    {
        if (!assessment.Blacklisted)
        {
            return Allowed;
        }

        var answers = ListedAnswers.GetValue(policy, static _ => new());
        if (answers.TryGetValue((agency, matter), out var known))
        {
            return known;
        }

        var answer = DecideListed(policy, agency, matter);
        return answer.Measures.Count == 0 ? answer : answers.GetOrAdd((agency, matter), answer);
    }

    private static CheckAnswer DecideListed(CreditPolicy policy, string agency, string matter)
    {
        var applied = policy.Measures
            .Where(m => m.Agency == agency)
            .SelectMany(m => m.Matters.Where(x => x.Matter == matter).Select(x => new AppliedMeasure(m, x.Effect)))
            .ToArray();
        if (applied.Length == 0)
        {
            return Allowed;
        }

        var decision = applied.Any(a => a.Effect == MeasureEffect.Prohibit) ? CheckDecision.Prohibit : CheckDecision.EnhancedReview;
        return new CheckAnswer(decision, applied);
    }
}
