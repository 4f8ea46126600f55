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

/// <summary>A well-formed request the current state does not allow (repair too early, revoked record...).</summary>
public sealed class DomainPreconditionException(string reason, DateTimeOffset? earliest = null) : Exception(reason)
{
    /// <summary>When the request would be allowed, if time alone stands in the way.</summary>
    public DateTimeOffset? Earliest { get; } = earliest;
}

/// <summary>A violation record with the same identity but different content already exists.</summary>
public sealed class DomainConflictException(string message) : Exception(message);

/// <summary>The thing asked for does not exist.</summary>
public sealed class DomainNotFoundException(string message) : Exception(message);
