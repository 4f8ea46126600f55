namespace WangJian.Credit.Domain;

/// <summary>The eight Net Sword agencies (docs/policy.md §2).</summary>
public static class Agencies
{
    public static readonly IReadOnlyList<string> All = ["SAMR", "NDRC", "MIIT", "MPS", "MOFCOM", "GACC", "CAC", "SPB"];

    public static bool IsKnown(string? code) => code is not null && All.Contains(code, StringComparer.Ordinal);
}
