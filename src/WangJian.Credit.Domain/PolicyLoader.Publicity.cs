namespace WangJian.Credit.Domain;

public static partial class PolicyLoader
{
    /// <summary>
    /// The optional <c>publicity</c> section: every number required when the section is there, the
    /// defaults of <see cref="PublicityPolicy.Default"/> when it is not (files written before it existed).
    /// </summary>
    private static PublicityPolicy ParsePublicity(PublicityDto? dto, List<string> errors)
    {
        if (dto is null)
        {
            return PublicityPolicy.Default;
        }

        var before = errors.Count;
        if (dto.LowFineThresholdFen is not { } threshold || threshold < 0)
        {
            errors.Add("publicity.lowFineThresholdFen: is required and must be ≥ 0 (fen)");
        }

        if (dto.ShortMonths is not { } shortMonths || shortMonths < 1)
        {
            errors.Add("publicity.shortMonths: is required and must be ≥ 1");
        }

        if (dto.LongMonths is not { } longMonths || longMonths < 1)
        {
            errors.Add("publicity.longMonths: is required and must be ≥ 1");
        }
        else if (dto.ShortMonths is { } s && longMonths < s)
        {
            errors.Add("publicity.longMonths: must be ≥ publicity.shortMonths");
        }

        return errors.Count > before
            ? PublicityPolicy.Default
            : new PublicityPolicy(dto.LowFineThresholdFen!.Value, dto.ShortMonths!.Value, dto.LongMonths!.Value);
    }

    private sealed class PublicityDto
    {
        public long? LowFineThresholdFen { get; set; }

        public int? ShortMonths { get; set; }

        public int? LongMonths { get; set; }
    }
}
