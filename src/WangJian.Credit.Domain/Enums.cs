namespace WangJian.Credit.Domain;

/// <summary>How serious the decision found the conduct; indexes the offense's points.</summary>
public enum Severity
{
    Minor = 1,
    General = 2,
    Serious = 3,
    EspeciallySerious = 4,
}

/// <summary>Kinds of administrative penalty a decision may impose.</summary>
public enum PenaltyKind
{
    Warning = 1,
    Fine = 2,
    Confiscation = 3,
    Suspension = 4,
    LicenceRevocation = 5,
}

/// <summary>ACTIVE → REVOKED (overturned) or ACTIVE → REPAIRED (credit repair approved).</summary>
public enum ViolationStatus
{
    Active = 1,
    Revoked = 2,
    Repaired = 3,
}

public enum Grade
{
    A = 1,
    B = 2,
    C = 3,
    D = 4,
}

/// <summary>Answer to an agency's pre-approval check.</summary>
public enum CheckDecision
{
    Allow = 1,
    EnhancedReview = 2,
    Prohibit = 3,
}

/// <summary>What a punishment measure does to an approval matter.</summary>
public enum MeasureEffect
{
    EnhancedReview = 2,
    Prohibit = 3,
}
