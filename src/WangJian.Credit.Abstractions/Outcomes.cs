using WangJian.Credit.Domain;

namespace WangJian.Credit.Abstractions;

/// <summary>Why a grain command was refused; the API maps each kind to one gRPC status.</summary>
public enum CommandErrorKind
{
    NotFound = 1,
    AlreadyExists = 2,
    FailedPrecondition = 3,
}

/// <summary>A refusal, returned rather than thrown so that it crosses the grain boundary as data.</summary>
[GenerateSerializer, Immutable, Alias("wj.CommandError")]
public sealed record CommandError(
    [property: Id(0)] CommandErrorKind Kind,
    [property: Id(1)] string Message,
    [property: Id(2)] DateTimeOffset? Earliest = null);

/// <summary>The result of recording a violation.</summary>
[GenerateSerializer, Immutable, Alias("wj.RecordOutcome")]
public sealed record RecordOutcome(
    [property: Id(0)] Violation? Violation,
    [property: Id(1)] bool Created,
    [property: Id(2)] Assessment? Assessment,
    [property: Id(3)] CommandError? Error);

/// <summary>The result of a revocation or repair.</summary>
[GenerateSerializer, Immutable, Alias("wj.CommandOutcome")]
public sealed record CommandOutcome(
    [property: Id(0)] Violation? Violation,
    [property: Id(1)] Assessment? Assessment,
    [property: Id(2)] CommandError? Error)
{
    public static CommandOutcome Fail(CommandErrorKind kind, string message, DateTimeOffset? earliest = null) =>
        new(null, null, new CommandError(kind, message, earliest));
}

/// <summary>An assessment and the record version it comes from.</summary>
[GenerateSerializer, Immutable, Alias("wj.OperatorStatus")]
public sealed record OperatorStatus(
    [property: Id(0)] Assessment Assessment,
    [property: Id(1)] long Version);

/// <summary>The result of opening a punishment case.</summary>
[GenerateSerializer, Immutable, Alias("wj.CaseOutcome")]
public sealed record CaseOutcome(
    [property: Id(0)] PunishmentCase? Case,
    [property: Id(1)] bool Created,
    [property: Id(2)] CommandError? Error);

/// <summary>What a rollout step did to one operator.</summary>
[GenerateSerializer, Immutable, Alias("wj.PolicyOutcome")]
public sealed record PolicyOutcome(
    [property: Id(0)] bool HasRecord,
    [property: Id(1)] bool Changed,
    [property: Id(2)] string PolicyVersion);

/// <summary>
/// A command's refusal raised on the caller's side of the grain call (<see cref="Commands.OrThrow(CommandOutcome)"/>),
/// so that the request pipeline maps it to its status in one place, like every other error.
/// </summary>
public sealed class CommandFailedException(CommandError error) : Exception(error.Message)
{
    public CommandError Error { get; } = error;
}

/// <summary>The outcome when the command succeeded; its refusal as a <see cref="CommandFailedException"/> otherwise.</summary>
public static class Commands
{
    public static CommandOutcome OrThrow(this CommandOutcome o) => o.Error is { } e ? throw new CommandFailedException(e) : o;

    public static RecordOutcome OrThrow(this RecordOutcome o) => o.Error is { } e ? throw new CommandFailedException(e) : o;

    public static CaseOutcome OrThrow(this CaseOutcome o) => o.Error is { } e ? throw new CommandFailedException(e) : o;

    public static AcknowledgeOutcome OrThrow(this AcknowledgeOutcome o) => o.Error is { } e ? throw new CommandFailedException(e) : o;
}
