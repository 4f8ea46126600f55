using NRules.Fluent.Dsl;
using WangJian.Credit.Domain;
using WangJian.Credit.Rules.Facts;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("An operator on the serious illegal and dishonest list is graded D whatever its score (docs/policy.md §4.4).")]
[Tag("LISTING")]
[Tag("SCORE")]
[Priority(Stages.ListedGrade)]
public sealed class ListedGradeRule : Rule
{
    public const string Id = "LISTED_GRADE_D";

    public override void Define()
    {
        AsOfFact asOf = null!;
        PolicyFact policy = null!;
        Scorecard card = null!;

        When()
            .Match(() => asOf)
            .Match(() => policy)
            .Match(() => card)
            .Exists<ListedFact>();

        Then()
            .Do(_ => card.SetGrade(Grade.D));
    }
}
