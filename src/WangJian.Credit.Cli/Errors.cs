using Google.Rpc;
using Grpc.Core;

namespace WangJian.Credit.Cli;

/// <summary>Turns a failed call into a message on stderr and an exit code, in one place.</summary>
public static class Errors
{
    public static int ExitCodeFor(StatusCode code) => code switch
    {
        StatusCode.OK => ExitCodes.Ok,
        StatusCode.InvalidArgument or StatusCode.OutOfRange => ExitCodes.InvalidArgument,
        StatusCode.Unauthenticated or StatusCode.PermissionDenied => ExitCodes.Denied,
        StatusCode.NotFound or StatusCode.FailedPrecondition or StatusCode.AlreadyExists => ExitCodes.NotFoundOrPrecondition,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => ExitCodes.Unavailable,
        _ => ExitCodes.Unexpected,
    };

    /// <summary>The canonical code name (INVALID_ARGUMENT), as every gRPC implementation prints it.</summary>
    public static string CodeName(StatusCode code) => code switch
    {
        StatusCode.OK => "OK",
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        StatusCode.NotFound => "NOT_FOUND",
        StatusCode.AlreadyExists => "ALREADY_EXISTS",
        StatusCode.PermissionDenied => "PERMISSION_DENIED",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.FailedPrecondition => "FAILED_PRECONDITION",
        StatusCode.OutOfRange => "OUT_OF_RANGE",
        StatusCode.DataLoss => "DATA_LOSS",
        _ => code.ToString().ToUpperInvariant(),
    };

    public static int Report(RpcException e, TextWriter error)
    {
        var code = e.StatusCode;
        var status = TryGetRpcStatus(e);
        var badRequest = status?.GetDetail<BadRequest>();
        if (badRequest is { FieldViolations.Count: > 0 })
        {
            // The message repeats the violations; one line per field is easier to read and to grep.
            error.WriteLine($"wjcredit: {CodeName(code)}: {badRequest.FieldViolations.Count} invalid field(s)");
        }
        else
        {
            var detail = string.IsNullOrEmpty(e.Status.Detail) ? "(no message)" : e.Status.Detail;
            error.WriteLine($"wjcredit: {CodeName(code)}: {detail}");
        }

        if (badRequest is not null)
        {
            foreach (var v in badRequest.FieldViolations)
            {
                error.WriteLine($"  {v.Field}: {v.Description}");
            }
        }

        if (status?.GetDetail<PreconditionFailure>() is { } precondition)
        {
            foreach (var v in precondition.Violations)
            {
                var subject = string.IsNullOrEmpty(v.Subject) ? string.Empty : $" ({v.Subject})";
                error.WriteLine($"  {v.Type}{subject}: {v.Description}");
            }
        }

        switch (code)
        {
            case StatusCode.Unauthenticated:
                error.WriteLine("  give a token: --token, WJCREDIT_TOKEN, or --token-file FILE --as ROLE");
                break;
            case StatusCode.PermissionDenied:
                error.WriteLine("  this principal may not do this (its role, scope or binding); pick another with --as (regulator, regulator-2, platform, admin, operator, auditor, agency:CODE)");
                break;
            case StatusCode.Unavailable when e.Status.DebugException is { } cause:
                error.WriteLine($"  {cause.GetBaseException().Message}");
                break;
        }

        return ExitCodeFor(code);
    }

    private static Google.Rpc.Status? TryGetRpcStatus(RpcException e)
    {
        try
        {
            return e.GetRpcStatus();
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return null;
        }
    }
}
