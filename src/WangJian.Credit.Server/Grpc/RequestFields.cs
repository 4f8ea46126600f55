using Google.Protobuf.WellKnownTypes;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Server.Grpc;

/// <summary>Validation of the fields most requests share; each failure names its field.</summary>
public static class RequestFields
{
    public static string Operator(string value, string field, List<FieldViolation> errors)
    {
        if (Uscc.TryParse(value, out var code, out var error))
        {
            return code.Value;
        }

        errors.Add(new(field, error));
        return string.Empty;
    }

    public static void Required(string value, string field, int maxLength, List<FieldViolation> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new(field, $"{field} is required"));
        }
        else if (value.Length > maxLength)
        {
            errors.Add(new(field, $"{field} must be at most {maxLength} characters, got {value.Length}"));
        }
    }

    /// <summary>An optional instant that must not be in the future nor before 2000-01-01.</summary>
    public static DateTimeOffset? PastInstant(Timestamp? value, string field, DateTimeOffset now, List<FieldViolation> errors)
    {
        var t = ProtoMapper.ToInstant(value, field, errors);
        if (t is null)
        {
            return null;
        }

        if (t > now)
        {
            errors.Add(new(field, $"{field} {t:O} is in the future (server time {now:O})"));
        }
        else if (t < ViolationDraft.EarliestDecision)
        {
            errors.Add(new(field, $"{field} {t:O} is before 2000-01-01"));
        }

        return t;
    }

    public static int PageSize(int requested, int defaultSize, int max, List<FieldViolation> errors)
    {
        if (requested < 0 || requested > max)
        {
            errors.Add(new("page_size", $"page_size must be between 0 and {max}, got {requested}"));
            return defaultSize;
        }

        return requested == 0 ? defaultSize : requested;
    }

    public static void ThrowIfAny(List<FieldViolation> errors)
    {
        if (errors.Count > 0)
        {
            throw GrpcErrors.InvalidArgument(errors);
        }
    }
}
