using Google.Protobuf;
using Grpc.Core;
using GrpcStatusCode = Grpc.Core.StatusCode;

namespace WangJian.Credit.Server.Http;

/// <summary>
/// An error answered to a REST/JSON caller before the service runs (authentication, authorization): the
/// same google.rpc.Status JSON body and HTTP status that JSON transcoding writes for errors of the calls.
/// </summary>
public static class JsonStatus
{
    /// <summary>Error details that may appear in a google.rpc.Status, so that they are written as JSON.</summary>
    public static readonly Google.Protobuf.Reflection.TypeRegistry ErrorDetails = Google.Protobuf.Reflection.TypeRegistry.FromMessages(
        Google.Rpc.BadRequest.Descriptor, Google.Rpc.PreconditionFailure.Descriptor, Google.Rpc.ErrorInfo.Descriptor, Google.Rpc.ResourceInfo.Descriptor, V1.Application.Descriptor);

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true).WithTypeRegistry(ErrorDetails));

    public static Task WriteAsync(HttpResponse response, GrpcStatusCode code, string message)
    {
        response.StatusCode = HttpStatusOf(code);
        response.ContentType = "application/json; charset=utf-8";
        return response.WriteAsync(Formatter.Format(new Google.Rpc.Status { Code = (int)code, Message = message }));
    }

    /// <summary>An RpcException as JSON transcoding writes it: its google.rpc.Status (details included) when it has one.</summary>
    public static Task WriteAsync(HttpResponse response, global::Grpc.Core.RpcException e)
    {
        var status = e.GetRpcStatus() ?? new Google.Rpc.Status { Code = (int)e.StatusCode, Message = e.Status.Detail };
        response.StatusCode = HttpStatusOf(e.StatusCode);
        response.ContentType = "application/json; charset=utf-8";
        return response.WriteAsync(Formatter.Format(status));
    }

    /// <summary>The HTTP status of a gRPC code, as JSON transcoding maps it (google.rpc.Code's documented mapping).</summary>
    public static int HttpStatusOf(GrpcStatusCode code) => code switch
    {
        GrpcStatusCode.OK => StatusCodes.Status200OK,
        GrpcStatusCode.Cancelled => 499,
        GrpcStatusCode.InvalidArgument or GrpcStatusCode.FailedPrecondition or GrpcStatusCode.OutOfRange => StatusCodes.Status400BadRequest,
        GrpcStatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        GrpcStatusCode.NotFound => StatusCodes.Status404NotFound,
        GrpcStatusCode.AlreadyExists or GrpcStatusCode.Aborted => StatusCodes.Status409Conflict,
        GrpcStatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        GrpcStatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        GrpcStatusCode.Unimplemented => StatusCodes.Status501NotImplemented,
        GrpcStatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        GrpcStatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        _ => StatusCodes.Status500InternalServerError,
    };
}
