namespace WangJian.Credit.Domain;

/// <summary>One offense of the catalogue (docs/policy.md §4.1).</summary>
/// <param name="Points">Base points for MINOR, GENERAL, SERIOUS, ESPECIALLY_SERIOUS, in that order.</param>
public sealed record OffenseDefinition(
    string Code,
    string Family,
    string NameZh,
    string LegalBasis,
    IReadOnlyList<decimal> Points,
    bool Listable)
{
    public decimal PointsFor(Severity severity) => Points[(int)severity - 1];
}

/// <summary>How long a violation deducts and with what weight (docs/policy.md §4.2).</summary>
public sealed record AgePolicy(int MinorMonths, int FullWeightMonths, int HalfWeightUntilMonths, decimal HalfWeight);

/// <summary>Repeat multiplier for the n-th violation of a family inside the window (docs/policy.md §4.3).</summary>
public sealed record RepeatPolicy(int WindowMonths, IReadOnlyList<decimal> Multipliers)
{
    /// <summary>Multiplier for the 1-based ordinal; the last entry applies to every later one.</summary>
    public decimal MultiplierFor(int ordinal) => Multipliers[Math.Min(ordinal, Multipliers.Count) - 1];
}

/// <summary>
/// Life-and-health aggravation: violations of <see cref="AggravatedCodes"/> deduct ×<see cref="Multiplier"/>
/// while another violation of <see cref="TriggerCode"/> is in force.
/// </summary>
public sealed record HealthPolicy(IReadOnlyList<string> AggravatedCodes, string TriggerCode, decimal Multiplier);

/// <summary>Lowest score of grades A, B and C; below C is D.</summary>
public sealed record GradeBands(decimal A, decimal B, decimal C)
{
    public Grade GradeFor(decimal score) => score >= A ? Grade.A : score >= B ? Grade.B : score >= C ? Grade.C : Grade.D;
}

/// <summary>The serious illegal and dishonest list (docs/policy.md §4.5).</summary>
/// <param name="DurationMonths">How long one trigger lists the operator.</param>
/// <param name="RepeatFamily">The family whose repeats list the operator (FAKE_REVIEW: repeat 炒信).</param>
/// <param name="RepeatCount">How many violations of that family inside the window list.</param>
/// <param name="RepeatWindowMonths">The window they must fall in.</param>
/// <param name="RepeatMinSeverity">Least severity that counts towards the repeat rule.</param>
/// <param name="RepairAfterMonths">Months after the latest trigger before the listing may be repaired.</param>
public sealed record ListingPolicy(
    int DurationMonths,
    string RepeatFamily,
    int RepeatCount,
    int RepeatWindowMonths,
    Severity RepeatMinSeverity,
    int RepairAfterMonths);

/// <summary>Credit repair of one violation (docs/policy.md §4.6).</summary>
public sealed record RepairPolicy(int DefaultMonths, IReadOnlyDictionary<string, int> FamilyMonths)
{
    public int MonthsFor(string family) => FamilyMonths.TryGetValue(family, out var m) ? m : DefaultMonths;
}

/// <summary>What one measure does to one approval matter.</summary>
public sealed record MatterEffect(string Matter, MeasureEffect Effect);

/// <summary>One joint-punishment measure of the catalogue (docs/policy.md §5).</summary>
public sealed record MeasureDefinition(
    string Agency,
    string Code,
    string Description,
    IReadOnlyList<MatterEffect> Matters,
    string LegalBasis);

/// <summary>The whole versioned scoring, listing, repair and punishment policy.</summary>
public sealed record CreditPolicy(
    string Version,
    IReadOnlyDictionary<string, OffenseDefinition> Offenses,
    decimal HeavierPenaltyPoints,
    AgePolicy Age,
    RepeatPolicy Repeat,
    HealthPolicy Health,
    GradeBands Grades,
    ListingPolicy Listing,
    RepairPolicy Repair,
    IReadOnlyList<MeasureDefinition> Measures,
    IReadOnlyList<string> PlatformMeasures)
{
    /// <summary>Publicity periods of penalty information (docs/policy.md §4.8); the defaults when the file has none.</summary>
    public PublicityPolicy Publicity { get; init; } = PublicityPolicy.Default;

    public OffenseDefinition Offense(string code) =>
        Offenses.TryGetValue(code, out var o) ? o : throw new DomainValidationException("offense_code", $"unknown offense code '{code}' in policy {Version}");
}

/// <summary>
/// How long penalty information is published (SAMR Order No. 45, docs/policy.md §4.8): <see cref="ShortMonths"/>
/// for a warning or a fine at or below <see cref="LowFineThresholdFen"/>, <see cref="LongMonths"/> otherwise.
/// </summary>
public sealed record PublicityPolicy(long LowFineThresholdFen, int ShortMonths, int LongMonths)
{
    /// <summary>¥30,000, 3 months, 3 years.</summary>
    public static readonly PublicityPolicy Default = new(3_000_000, 3, 36);
}
