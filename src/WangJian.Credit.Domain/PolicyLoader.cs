using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace WangJian.Credit.Domain;

/// <summary>A policy file that cannot be used; the message names the file and the bad entry.</summary>
/// <param name="message">The whole message, source first.</param>
/// <param name="errors">Each error on its own, named by entry (the message lists them all).</param>
public sealed class PolicyException(string message, IReadOnlyList<string>? errors = null) : Exception(message)
{
    public IReadOnlyList<string> Errors { get; } = errors ?? [message];
}

/// <summary>
/// Reads the versioned policy JSON (rules/policy/) and validates every entry, so that a broken file
/// stops the server at start with a message that says where, instead of scoring wrongly later.
/// </summary>
public static partial class PolicyLoader
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    [GeneratedRegex("^[A-Z][A-Z0-9_]{1,63}$")]
    private static partial Regex CodePattern();

    public static CreditPolicy Parse(string json, string source)
    {
        PolicyDto dto;
        try
        {
            dto = JsonSerializer.Deserialize<PolicyDto>(json, Options)
                ?? throw new PolicyException($"{source}: the file is empty");
        }
        catch (JsonException e)
        {
            var what = $"not valid policy JSON at {e.Path ?? "$"} (line {e.LineNumber + 1}): {e.Message}";
            throw new PolicyException($"{source}: {what}", [what]);
        }

        var errors = new List<string>();
        void Check(bool ok, string where, string what)
        {
            if (!ok)
            {
                errors.Add($"{where}: {what}");
            }
        }

        Check(!string.IsNullOrWhiteSpace(dto.Version), "version", "is required");

        var offenses = new Dictionary<string, OffenseDefinition>(StringComparer.Ordinal);
        if (dto.Offenses is not { Count: > 0 })
        {
            errors.Add("offenses: at least one offense is required");
        }
        else
        {
            for (var i = 0; i < dto.Offenses.Count; i++)
            {
                var o = dto.Offenses[i];
                if (o is null)
                {
                    errors.Add($"offenses[{i}]: must be an offense object, not null");
                    continue;
                }

                var where = $"offenses[{i}] ({o.Code ?? "no code"})";
                var before = errors.Count;
                Check(o.Code is not null && CodePattern().IsMatch(o.Code), where, "code must be UPPER_SNAKE_CASE");
                Check(o.Family is not null && CodePattern().IsMatch(o.Family), where, "family must be UPPER_SNAKE_CASE");
                Check(!string.IsNullOrWhiteSpace(o.LegalBasis), where, "legalBasis is required");
                Check(!string.IsNullOrWhiteSpace(o.NameZh), where, "nameZh is required");
                Check(o.Points is { Count: 4 }, where, $"points must have 4 values (MINOR, GENERAL, SERIOUS, ESPECIALLY_SERIOUS), got {o.Points?.Count ?? 0}");
                if (o.Points is { Count: 4 })
                {
                    Check(o.Points.All(p => p > 0 && p <= 100), where, "points must each be in (0, 100]");
                    Check(o.Points.Zip(o.Points.Skip(1)).All(p => p.First <= p.Second), where, "points must not decrease with severity");
                }

                Check(o.Listable is not null, where, "listable (true or false) is required");
                if (o.Code is not null && offenses.ContainsKey(o.Code))
                {
                    errors.Add($"{where}: duplicate code");
                }

                if (errors.Count == before)
                {
                    offenses[o.Code!] = new OffenseDefinition(o.Code!, o.Family!, o.NameZh!, o.LegalBasis!, o.Points!.ToArray(), o.Listable!.Value);
                }
            }
        }

        var families = offenses.Values.Select(o => o.Family).ToHashSet(StringComparer.Ordinal);

        Check(dto.HeavierPenaltyPoints is not null, "heavierPenaltyPoints", "is required");
        Check(dto.HeavierPenaltyPoints is null or (>= 0 and <= 100), "heavierPenaltyPoints", "must be in [0, 100]");

        var age = dto.Age;
        Check(age is not null, "age", "is required");
        if (age is not null)
        {
            Check(age.MinorMonths > 0, "age.minorMonths", "must be > 0");
            Check(age.FullWeightMonths > 0, "age.fullWeightMonths", "must be > 0");
            Check(age.HalfWeightUntilMonths >= age.FullWeightMonths, "age.halfWeightUntilMonths", "must be ≥ fullWeightMonths");
            Check(age.HalfWeight is > 0 and < 1, "age.halfWeight", "must be in (0, 1)");
        }

        var repeat = dto.Repeat;
        Check(repeat is not null, "repeat", "is required");
        if (repeat is not null)
        {
            Check(repeat.WindowMonths > 0, "repeat.windowMonths", "must be > 0");
            Check(repeat.Multipliers is { Count: > 0 } && repeat.Multipliers.All(m => m >= 1), "repeat.multipliers", "must be a non-empty list of values ≥ 1");
        }

        var health = dto.Health;
        Check(health is not null, "health", "is required");
        if (health is not null)
        {
            Check(health.TriggerCode is not null && offenses.ContainsKey(health.TriggerCode), "health.triggerCode", $"'{health.TriggerCode}' is not an offense code");
            foreach (var code in health.AggravatedCodes ?? [])
            {
                Check(code is not null && offenses.ContainsKey(code), "health.aggravatedCodes", $"'{code}' is not an offense code");
            }

            Check(health.Multiplier >= 1, "health.multiplier", "must be ≥ 1");
        }

        var grades = dto.Grades;
        Check(grades is not null, "grades", "is required");
        if (grades is not null)
        {
            Check(grades.A <= 100 && grades.A > grades.B && grades.B > grades.C && grades.C > 0, "grades", "must satisfy 100 ≥ A > B > C > 0");
        }

        var listing = dto.Listing;
        Check(listing is not null, "listing", "is required");
        var minSeverity = Severity.General;
        if (listing is not null)
        {
            Check(listing.DurationMonths > 0, "listing.durationMonths", "must be > 0");
            Check(listing.RepeatFamily is not null && families.Contains(listing.RepeatFamily), "listing.repeatFamily", $"'{listing.RepeatFamily}' is not a family of any offense");
            Check(listing.RepeatCount >= 2, "listing.repeatCount", "must be ≥ 2");
            Check(listing.RepeatWindowMonths > 0, "listing.repeatWindowMonths", "must be > 0");
            Check(listing.RepairAfterMonths is not null, "listing.repairAfterMonths", "is required");
            Check(listing.RepairAfterMonths is null or >= 0, "listing.repairAfterMonths", "must be ≥ 0");
            Check(
                SeverityCodes.TryParse(listing.RepeatMinSeverity, out minSeverity),
                "listing.repeatMinSeverity",
                $"'{listing.RepeatMinSeverity}' is not one of MINOR, GENERAL, SERIOUS, ESPECIALLY_SERIOUS");
        }

        var repair = dto.Repair;
        Check(repair is not null, "repair", "is required");
        if (repair is not null)
        {
            Check(repair.DefaultMonths is not null, "repair.defaultMonths", "is required");
            Check(repair.DefaultMonths is null or >= 0, "repair.defaultMonths", "must be ≥ 0");
            foreach (var (family, months) in repair.FamilyMonths ?? [])
            {
                Check(families.Contains(family), $"repair.familyMonths.{family}", "is not a family of any offense");
                Check(months >= 0, $"repair.familyMonths.{family}", "must be ≥ 0");
            }
        }

        var measures = new List<MeasureDefinition>();
        for (var i = 0; i < (dto.Measures?.Count ?? 0); i++)
        {
            var m = dto.Measures![i];
            if (m is null)
            {
                errors.Add($"measures[{i}]: must be a measure object, not null");
                continue;
            }

            var where = $"measures[{i}] ({m.Code ?? "no code"})";
            var before = errors.Count;
            Check(m.Agency is not null && Agencies.IsKnown(m.Agency), where, $"agency '{m.Agency}' is not one of {string.Join(", ", Agencies.All)}");
            Check(m.Code is not null && CodePattern().IsMatch(m.Code), where, "code must be UPPER_SNAKE_CASE");
            Check(!string.IsNullOrWhiteSpace(m.Description), where, "description is required");
            Check(!string.IsNullOrWhiteSpace(m.LegalBasis), where, "legalBasis is required");
            Check(m.Matters is { Count: > 0 }, where, "matters must list at least one matter");
            var matters = new List<MatterEffect>();
            foreach (var me in m.Matters ?? [])
            {
                if (me is null)
                {
                    errors.Add($"{where}: matters must not contain null");
                    continue;
                }

                Check(me.Matter is not null && CodePattern().IsMatch(me.Matter), where, $"matter '{me.Matter}' must be UPPER_SNAKE_CASE");
                var effect = me.Effect switch
                {
                    "PROHIBIT" => MeasureEffect.Prohibit,
                    "ENHANCED_REVIEW" => MeasureEffect.EnhancedReview,
                    _ => (MeasureEffect?)null,
                };
                Check(effect is not null, where, $"effect '{me.Effect}' must be PROHIBIT or ENHANCED_REVIEW");
                if (effect is not null && me.Matter is not null)
                {
                    matters.Add(new MatterEffect(me.Matter, effect.Value));
                }
            }

            if (m.Code is not null && measures.Any(x => x.Code == m.Code && x.Agency == m.Agency))
            {
                errors.Add($"{where}: duplicate code for agency {m.Agency}");
            }

            if (errors.Count == before)
            {
                measures.Add(new MeasureDefinition(m.Agency!, m.Code!, m.Description!, matters, m.LegalBasis!));
            }
        }

        if (errors.Count > 0)
        {
            throw new PolicyException($"{source}: invalid policy: {string.Join("; ", errors)}", errors);
        }

        return new CreditPolicy(
            dto.Version!,
            offenses,
            dto.HeavierPenaltyPoints!.Value,
            new AgePolicy(age!.MinorMonths, age.FullWeightMonths, age.HalfWeightUntilMonths, age.HalfWeight),
            new RepeatPolicy(repeat!.WindowMonths, repeat.Multipliers!.ToArray()),
            new HealthPolicy((health!.AggravatedCodes ?? []).ToArray(), health.TriggerCode!, health.Multiplier),
            new GradeBands(grades!.A, grades.B, grades.C),
            new ListingPolicy(listing!.DurationMonths, listing.RepeatFamily!, listing.RepeatCount, listing.RepeatWindowMonths, minSeverity, listing.RepairAfterMonths!.Value),
            new RepairPolicy(repair!.DefaultMonths!.Value, new Dictionary<string, int>(repair.FamilyMonths ?? [], StringComparer.Ordinal)),
            measures,
            (dto.PlatformMeasures ?? []).ToArray());
    }

    private sealed class PolicyDto
    {
        [JsonPropertyName("$comment")]
        public string? Comment { get; set; }

        public string? Version { get; set; }

        public decimal? HeavierPenaltyPoints { get; set; }

        public AgeDto? Age { get; set; }

        public RepeatDto? Repeat { get; set; }

        public HealthDto? Health { get; set; }

        public GradesDto? Grades { get; set; }

        public ListingDto? Listing { get; set; }

        public RepairDto? Repair { get; set; }

        public List<OffenseDto>? Offenses { get; set; }

        public List<MeasureDto>? Measures { get; set; }

        public List<string>? PlatformMeasures { get; set; }
    }

    private sealed class AgeDto
    {
        public int MinorMonths { get; set; }

        public int FullWeightMonths { get; set; }

        public int HalfWeightUntilMonths { get; set; }

        public decimal HalfWeight { get; set; }
    }

    private sealed class RepeatDto
    {
        public int WindowMonths { get; set; }

        public List<decimal>? Multipliers { get; set; }
    }

    private sealed class HealthDto
    {
        public List<string>? AggravatedCodes { get; set; }

        public string? TriggerCode { get; set; }

        public decimal Multiplier { get; set; }
    }

    private sealed class GradesDto
    {
        public decimal A { get; set; }

        public decimal B { get; set; }

        public decimal C { get; set; }
    }

    private sealed class ListingDto
    {
        public int DurationMonths { get; set; }

        public string? RepeatFamily { get; set; }

        public int RepeatCount { get; set; }

        public int RepeatWindowMonths { get; set; }

        public string? RepeatMinSeverity { get; set; }

        public int? RepairAfterMonths { get; set; }
    }

    private sealed class RepairDto
    {
        public int? DefaultMonths { get; set; }

        public Dictionary<string, int>? FamilyMonths { get; set; }
    }

    private sealed class OffenseDto
    {
        public string? Code { get; set; }

        public string? Family { get; set; }

        public string? NameZh { get; set; }

        public string? LegalBasis { get; set; }

        public List<decimal>? Points { get; set; }

        public bool? Listable { get; set; }
    }

    private sealed class MeasureDto
    {
        public string? Agency { get; set; }

        public string? Code { get; set; }

        public string? Description { get; set; }

        public List<MatterDto>? Matters { get; set; }

        public string? LegalBasis { get; set; }
    }

    private sealed class MatterDto
    {
        public string? Matter { get; set; }

        public string? Effect { get; set; }
    }
}

/// <summary>The wire names of severities, shared by the policy file and the API.</summary>
public static class SeverityCodes
{
    public static bool TryParse(string? name, out Severity severity)
    {
        severity = name switch
        {
            "MINOR" => Severity.Minor,
            "GENERAL" => Severity.General,
            "SERIOUS" => Severity.Serious,
            "ESPECIALLY_SERIOUS" => Severity.EspeciallySerious,
            _ => 0,
        };
        return severity != 0;
    }
}
