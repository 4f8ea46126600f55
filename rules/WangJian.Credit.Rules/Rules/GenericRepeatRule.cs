using System.Linq.Expressions;
using NRules.Fluent.Dsl;
using WangJian.Credit.Rules.Facts;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("Repeat multiplier for every family without a first-class rule (QUALIFICATION, PRODUCT_SAFETY, COMPETITION, CONSUMER_RIGHTS, PROHIBITED_TRADE, and any family a later policy adds): same counting as the first-class families (docs/policy.md §4.3).")]
[Tag("GENERIC")]
[Tag("REPEAT")]
[Tag("DEDUCTION_COMPONENT")]
[Priority(Stages.Repeat)]
public sealed class GenericRepeatRule() : FamilyRepeatRule(Id)
{
    public const string Id = "GENERIC_REPEAT";

    protected override Expression<Func<FamilyFact, bool>> Covers => f => !Families.IsFirstClass(f.Family);
}
