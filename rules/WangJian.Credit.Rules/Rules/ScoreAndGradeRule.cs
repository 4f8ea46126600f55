using NRules.Fluent.Dsl;
using WangJian.Credit.Rules.Facts;
using WangJian.Credit.Rules.Scoring;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("score = max(0, 100 − Σ deductions); grade A/B/C/D by the policy's bands (docs/policy.md §4.4).")]
[Tag("SCORE")]
[Priority(Stages.Score)]
public sealed class ScoreAndGradeRule : Rule
{
    public const string Id = "SCORE_AND_GRADE";

    public override void Define()
    {
        AsOfFact asOf = null!;
        PolicyFact policy = null!;
        Scorecard card = null!;

        When()
            .Match(() => asOf)
            .Match(() => policy)
            .Match(() => card);

        Then()
            .Do(_ => ScoreScale.Grade(card, policy));
    }
}
