using System.Linq.Expressions;
using NRules.Fluent.Dsl;
using WangJian.Credit.Rules.Facts;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("Repeat multiplier for the FAKE_REVIEW family — 虚构交易、刷单、编造评价 (ECL 17; AUCL 8): the active violations of the family decided in (m(T, −window), T], in decided_at order, get the policy's 1st, 2nd, 3rd-and-later multipliers (docs/policy.md §4.3).")]
[Tag("FAKE_REVIEW")]
[Tag("REPEAT")]
[Tag("DEDUCTION_COMPONENT")]
[Priority(Stages.Repeat)]
public sealed class FakeReviewRepeatRule() : FamilyRepeatRule(Id)
{
    public const string Id = "FAKE_REVIEW_REPEAT";

    protected override Expression<Func<FamilyFact, bool>> Covers => f => f.Family == Families.FakeReview;
}
