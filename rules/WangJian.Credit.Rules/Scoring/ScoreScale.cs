using WangJian.Credit.Rules.Facts;

namespace WangJian.Credit.Rules.Scoring;

/// <summary>
/// The scale the score is expressed on (docs/policy.md §4.4: 100 − Σ deductions). It is the unit of the
/// score rather than a policy choice — the policy loader itself checks grade bands against it.
/// </summary>
public static class ScoreScale
{
    public const decimal Full = 100m;

    /// <summary>Action of the score rule; deductions are already round½ each, so the sum needs no rounding.</summary>
    public static void Grade(Scorecard card, PolicyFact policy)
    {
        var score = Math.Max(0m, Full - card.TotalDeducted);
        card.SetScore(score, policy.Policy.Grades.GradeFor(score));
    }
}
