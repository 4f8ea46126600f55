using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Server.Grpc;

/// <summary>
/// Every error the API returns is built here, with google.rpc details (BadRequest field violations,
/// PreconditionFailure), so that clients in any language can act on them.
/// </summary>
public static class GrpcErrors
{
    public static RpcException InvalidArgument(IReadOnlyList<FieldViolation> violations)
    {
        var badRequest = new BadRequest();
        foreach (var v in violations)
        {
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = v.Field, Description = v.Description });
        }

        var message = violations.Count == 1
            ? $"{violations[0].Field}: {violations[0].Description}"
            : $"{violations.Count} invalid fields: " + string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}"));
        return Build(global::Grpc.Core.StatusCode.InvalidArgument, message, Any.Pack(badRequest));
    }

    /// <summary>The field violations an INVALID_ARGUMENT carries (a form shows each beside its field).</summary>
    public static IReadOnlyList<(string Field, string Description)> FieldViolationsOf(RpcException e) =>
        e.GetRpcStatus()?.GetDetail<BadRequest>() is { } bad
            ? bad.FieldViolations.Select(v => (v.Field, v.Description)).ToArray()
            : [(string.Empty, e.Status.Detail)];

    public static RpcException InvalidArgument(string field, string description) => InvalidArgument([new FieldViolation(field, description)]);

    public static RpcException FromCommand(CommandError error) => error.Kind switch
    {
        CommandErrorKind.NotFound => Build(global::Grpc.Core.StatusCode.NotFound, error.Message),
        CommandErrorKind.AlreadyExists => Build(global::Grpc.Core.StatusCode.AlreadyExists, error.Message),
        CommandErrorKind.FailedPrecondition => FailedPrecondition(error.Message, error.Earliest),
        _ => Build(global::Grpc.Core.StatusCode.Internal, "unexpected command error"),
    };

    public static RpcException FailedPrecondition(string reason, DateTimeOffset? earliest = null)
    {
        var failure = new PreconditionFailure();
        failure.Violations.Add(new PreconditionFailure.Types.Violation
        {
            Type = earliest is null ? "STATE" : "TOO_EARLY",
            Subject = earliest is null ? string.Empty : earliest.Value.ToString("O"),
            Description = reason,
        });
        var message = earliest is null ? reason : $"{reason} (earliest: {earliest.Value.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'})";
        return Build(global::Grpc.Core.StatusCode.FailedPrecondition, message, Any.Pack(failure));
    }

    public static RpcException NotFound(string message) => Build(global::Grpc.Core.StatusCode.NotFound, message);

    public static RpcException Unavailable(string message) => Build(global::Grpc.Core.StatusCode.Unavailable, message);

    public static RpcException PermissionDenied(string message) => Build(global::Grpc.Core.StatusCode.PermissionDenied, message);

    /// <summary>The canonical gRPC code name (ALREADY_EXISTS), as other languages print it.</summary>
    public static string CodeName(global::Grpc.Core.StatusCode code) => code switch
    {
        global::Grpc.Core.StatusCode.OK => "OK",
        global::Grpc.Core.StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        global::Grpc.Core.StatusCode.AlreadyExists => "ALREADY_EXISTS",
        global::Grpc.Core.StatusCode.NotFound => "NOT_FOUND",
        global::Grpc.Core.StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        global::Grpc.Core.StatusCode.PermissionDenied => "PERMISSION_DENIED",
        global::Grpc.Core.StatusCode.Unauthenticated => "UNAUTHENTICATED",
        global::Grpc.Core.StatusCode.Unavailable => "UNAVAILABLE",
        global::Grpc.Core.StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        _ => string.Concat(code.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant(),
    };

    private static RpcException Build(global::Grpc.Core.StatusCode code, string message, params Any[] details)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = message };
        status.Details.AddRange(details);
        return status.ToRpcException();
    }
}
