namespace WangJian.Credit.Domain;

/// <summary>One rejected input field and why; the API turns it into a google.rpc.BadRequest field violation.</summary>
public sealed record FieldViolation(string Field, string Description);

/// <summary>Input that breaks a domain rule. Carries every field violation found, not just the first.</summary>
public sealed class DomainValidationException : Exception
{
    public DomainValidationException(string field, string description)
        : this([new FieldViolation(field, description)])
    {
    }

    public DomainValidationException(IReadOnlyList<FieldViolation> violations)
        : base(string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}")))
    {
        Violations = violations;
    }

    public IReadOnlyList<FieldViolation> Violations { get; }
}
