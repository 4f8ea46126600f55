using WangJian.Credit.Domain;

namespace WangJian.Credit.Grains.Operators;

/// <summary>What one decision of <see cref="OperatorCore"/> did, in the order it happened.</summary>
public abstract record OperatorEvent;

/// <summary>A new violation entered the history.</summary>
public sealed record ViolationRecorded(Violation Violation) : OperatorEvent;

/// <summary>A violation was revoked (its penalty overturned); <see cref="Violation"/> is as it is after.</summary>
public sealed record ViolationRevoked(Violation Violation) : OperatorEvent;

/// <summary>A violation's credit was repaired; <see cref="Violation"/> is as it is after.</summary>
public sealed record ViolationRepaired(Violation Violation) : OperatorEvent;

/// <summary>The listing was repaired.</summary>
public sealed record ListingRepaired(ListingRepair Repair) : OperatorEvent;

/// <summary>Grade or listing moved: the change the feed announces (queued in the outbox).</summary>
public sealed record CreditChanged(CreditChange Change) : OperatorEvent;

/// <summary>A punishment case was opened, at <see cref="Position"/> among the operator's cases.</summary>
public sealed record CaseOpened(int Position, PunishmentCase Case) : OperatorEvent;

/// <summary>The open punishment case was lifted (the listing ended or changed).</summary>
public sealed record CaseLifted(int Position, PunishmentCase Case) : OperatorEvent;

/// <summary>A notice for an agency was raised (queued in the outbox).</summary>
public sealed record NoticeRaised(Notice Notice) : OperatorEvent;

/// <summary>The instant the assessment next changes by itself moved (null: it never does).</summary>
public sealed record WakeUpMoved(DateTimeOffset? At) : OperatorEvent;
