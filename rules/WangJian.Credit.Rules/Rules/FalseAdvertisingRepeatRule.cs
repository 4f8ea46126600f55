using System.Linq.Expressions;
using NRules.Fluent.Dsl;
using WangJian.Credit.Rules.Facts;

namespace WangJian.Credit.Rules.Rules;

[Name(Id)]
[Description("Repeat multiplier for the FALSE_ADVERTISING family — 虚假宣传与虚假广告 (AUCL 8; Advertising Law): the active violations of the family decided in (m(T, −window), T], in decided_at order, get the policy's 1st, 2nd, 3rd-and-later multipliers (docs/policy.md §4.3).")]
[Tag("FALSE_ADVERTISING")]
[Tag("REPEAT")]
[Tag("DEDUCTION_COMPONENT")]
[Priority(Stages.Repeat)]
public sealed class FalseAdvertisingRepeatRule() : FamilyRepeatRule(Id)
{
    public const string Id = "FALSE_ADVERTISING_REPEAT";

    protected override Expression<Func<FamilyFact, bool>> Covers => f => f.Family == Families.FalseAdvertising;
}
