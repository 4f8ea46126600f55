namespace WangJian.Credit.Rules;

/// <summary>
/// Rule priorities (higher fires first). The deduction rules read components that earlier stages
/// set on the violation facts, and the listing run must see every trigger and repair, so the order
/// of stages is part of the rule set's meaning. Distinct component priorities also make the order
/// of <c>RulesApplied</c> in a deduction deterministic.
/// </summary>
public static class Stages
{
    public const int HeavierPenalty = 330;
    public const int Repeat = 320;
    public const int Health = 310;
    public const int Deduction = 200;
    public const int Trigger = 200;
    public const int ListingRepair = 100;
    public const int ListingRun = 50;
    public const int Score = 20;
    public const int ListedGrade = 10;
    public const int Schedule = 0;
}
