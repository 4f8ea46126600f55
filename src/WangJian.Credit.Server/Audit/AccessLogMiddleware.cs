using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Grpc;

namespace WangJian.Credit.Server.Audit;

/// <summary>
/// Gives every call of this service's API a request id (answered in <c>x-request-id</c>) and, when the call
/// has ended, however it ended (refused by authentication or authorization, a bad message, OK, an error),
/// appends its access entry. First in the pipeline, so nothing can answer a call without it being logged.
/// </summary>
public sealed class AccessLogMiddleware(RequestDelegate next, AccessLog log, TimeProvider time)
{
    public const string RequestIdHeader = "x-request-id";

    private const string ApiPrefix = "/wangjian.credit.v1.";

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        if (!path.StartsWith(ApiPrefix, StringComparison.Ordinal))
        {
            // Health probes and reflection are not calls of the API.
            await next(context);
            return;
        }

        var requestId = Guid.CreateVersion7().ToString("N");
        context.Response.Headers[RequestIdHeader] = requestId;
        var feature = new AccessFeature();
        context.Features.Set(feature);
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var user = context.User;
            var authenticated = user.Identity?.IsAuthenticated == true;
            var remote = context.Connection.RemoteIpAddress;
            // Stamped when the call ended: the log is in the order calls were answered (a stream's entry
            // comes when it closes), and the start is this time minus the duration.
            log.Append(new AccessEntry(
                requestId,
                time.GetUtcNow(),
                authenticated ? user.Identity!.Name : null,
                authenticated ? Principals.Role(user) : null,
                path[1..],
                feature.OperatorIds,
                feature.Truncated,
                StatusOf(context),
                remote is null ? null : $"{remote}:{context.Connection.RemotePort.ToString(CultureInfo.InvariantCulture)}",
                (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds));
        }
    }

    /// <summary>
    /// The gRPC status the call ended with: in the headers of a trailers-only answer, else in the trailers;
    /// CANCELLED when the client went away before either.
    /// </summary>
    private static string StatusOf(HttpContext context)
    {
        var value = context.Response.Headers["grpc-status"].ToString();
        if (value.Length == 0)
        {
            value = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers["grpc-status"].ToString() ?? string.Empty;
        }

        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            return GrpcErrors.CodeName((global::Grpc.Core.StatusCode)code);
        }

        return context.RequestAborted.IsCancellationRequested ? "CANCELLED" : "UNKNOWN";
    }
}
