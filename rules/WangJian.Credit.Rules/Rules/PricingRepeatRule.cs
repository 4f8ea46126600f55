using System.Linq.Expressions;
using NRules.Fluent.Dsl;
using WangJian.Credit.Rules.Facts;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("Repeat multiplier for the PRICING family — 价格违法 (Price Law 13–14): the active violations of the family decided in (m(T, −window), T], in decided_at order, get the policy's 1st, 2nd, 3rd-and-later multipliers (docs/policy.md §4.3).")]
[Tag("PRICING")]
[Tag("REPEAT")]
[Tag("DEDUCTION_COMPONENT")]
[Priority(Stages.Repeat)]
public sealed class PricingRepeatRule() : FamilyRepeatRule(Id)
{
    public const string Id = "PRICING_REPEAT";

    protected override Expression<Func<FamilyFact, bool>> Covers => f => f.Family == Families.Pricing;
}
