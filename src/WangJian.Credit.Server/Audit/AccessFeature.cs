using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Claims;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using WangJian.Credit.Server.Grpc;

namespace WangJian.Credit.Server.Audit;

/// <summary>
/// One call as the access log will record it: what the request path captures (references and numbers, no
/// formatting) and the operator ids of its request, as sent, for a batch every one of them. The ids are
/// filled from the unary request message before authorization (so a refused call names them too), and by the
/// services for streamed rows and approvals. The same object is the request's feature and the queued entry:
/// one allocation per call; the line is formatted by the log's writer, off the request path.
/// </summary>
public sealed class AccessFeature
{
    /// <summary>Most operator ids one record lists (a batch is at most 1,000; an import may name more).</summary>
    public const int MaxOperatorIds = 10_000;

    /// <summary><see cref="StatusCode"/> value of a call the client left before it had a status.</summary>
    internal const int Cancelled = -1;

    /// <summary><see cref="StatusCode"/> value of a call that ended without a gRPC status.</summary>
    internal const int NoStatus = -2;

    /// <summary>The only operator while there is one (most calls): no list on the request path.</summary>
    private string? single;

    private List<string>? ids;
    private HashSet<string>? seen;

    /// <summary>The status a REST call ended with, noted where the error was raised (<see cref="Answered"/>).</summary>
    private int? restStatus;

    private int claimed;

    internal AccessFeature(string requestId, string path, long started, bool rest = false)
    {
        RequestId = requestId;
        Path = path;
        Started = started;
        IsRest = rest;
    }

    /// <summary>A call over REST/JSON (JSON transcoding or the import endpoint) rather than gRPC.</summary>
    public bool IsRest { get; }

    public IReadOnlyList<string> OperatorIds => (IReadOnlyList<string>?)ids ?? (single is null ? [] : [single]);

    /// <summary>The one operator the call concerned, when it concerned exactly one (no list to allocate).</summary>
    internal string? SingleOperator => ids is null ? single : null;

    /// <summary>The operators the call concerned, when it concerned several.</summary>
    internal List<string>? ManyOperators => ids;

    /// <summary>True when the call concerned more operators than <see cref="OperatorIds"/> lists.</summary>
    public bool Truncated { get; private set; }

    internal string RequestId { get; }

    /// <summary>The rpc, <c>/package.Service/Method</c> (a REST call's path until <see cref="End"/> resolves its rpc).</summary>
    internal string Path { get; private set; }

    internal long Started { get; }

    /// <summary>When the call ended (UTC ticks): the log is in the order calls were answered.</summary>
    internal long EndTicks { get; private set; }

    internal long DurationMs { get; private set; }

    /// <summary>The caller as authenticated when the call ended, or null for an anonymous one.</summary>
    internal ClaimsPrincipal? User { get; private set; }

    internal IPAddress? RemoteAddress { get; private set; }

    internal int RemotePort { get; private set; }

    /// <summary>The gRPC status code, or <see cref="Cancelled"/> / <see cref="NoStatus"/>.</summary>
    internal int StatusCode { get; private set; }

    /// <summary>The feature of a call, or null when the access log is off.</summary>
    public static AccessFeature? Of(ServerCallContext context) => context.GetHttpContext().Features.Get<AccessFeature>();

    /// <summary>Notes an operator the call concerned (once, however often it is named).</summary>
    public void Concerns(string operatorId)
    {
        if (operatorId.Length == 0)
        {
            return;
        }

        if (ids is null)
        {
            if (single is null)
            {
                single = operatorId;
                return;
            }

            if (string.Equals(single, operatorId, StringComparison.Ordinal))
            {
                return;
            }

            ids = [single];
        }

        // Most calls name one operator: a set only once there are several to tell apart.
        if (seen is null && ids.Count < 16)
        {
            if (ids.Contains(operatorId, StringComparer.Ordinal))
            {
                return;
            }
        }
        else
        {
            seen ??= new HashSet<string>(ids, StringComparer.Ordinal);
            if (!seen.Add(operatorId))
            {
                return;
            }
        }

        if (ids.Count < MaxOperatorIds)
        {
            ids.Add(operatorId);
        }
        else
        {
            Truncated = true;
        }
    }

    /// <summary>
    /// A console page's read or write of an operator's file (<paramref name="what"/> like <c>console/File</c>),
    /// logged like an API call, so auditors see who looked at which file from the browser too.
    /// </summary>
    public static AccessFeature ForConsole(string what, string operatorId, global::Grpc.Core.StatusCode status, HttpContext context, TimeProvider time, long started)
    {
        var call = new AccessFeature(RequestIds.Next(time), "/" + what, started);
        call.Concerns(operatorId);
        call.End(context, time);
        call.StatusCode = (int)status;
        return call;
    }

    /// <summary>True the first time only: the entry is queued once, as a REST answer starts or when the call ends.</summary>
    internal bool Claim() => Interlocked.Exchange(ref claimed, 1) == 0;

    /// <summary>
    /// The status code a REST call was answered with, noted by the error mapping (the JSON answer carries no
    /// grpc-status header, and its HTTP status does not tell INVALID_ARGUMENT from FAILED_PRECONDITION).
    /// </summary>
    public void Answered(global::Grpc.Core.StatusCode code)
    {
        if (IsRest)
        {
            restStatus = (int)code;
        }
    }

    /// <summary>Captures how the call ended: references and numbers only, read while the context is still live.</summary>
    internal void End(HttpContext context, TimeProvider time)
    {
        EndTicks = time.GetUtcNow().UtcTicks;
        DurationMs = (long)Stopwatch.GetElapsedTime(Started).TotalMilliseconds;
        var user = context.User;
        User = user.Identity?.IsAuthenticated == true ? user : null;
        RemoteAddress = context.Connection.RemoteIpAddress;
        RemotePort = context.Connection.RemotePort;
        if (IsRest)
        {
            EndRest(context);
        }
        else
        {
            StatusCode = StatusOf(context);
        }

        // The set only served to tell ids apart while the call was running.
        seen = null;
    }

    /// <summary>
    /// A REST call: the rpc of the endpoint its path was routed to (a path no rule matches stays as it is), the
    /// operator of its path when it was refused before its message was read, and its status code.
    /// </summary>
    private void EndRest(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<global::Grpc.AspNetCore.Server.GrpcMethodMetadata>() is { } grpc)
        {
            // Method.FullName is the gRPC path, /package.Service/Method.
            Path = grpc.Method.FullName;
        }
        else if (endpoint?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName is { } name && name.IndexOf('_') is > 0 and var cut)
        {
            // The hand-mapped REST endpoints are named Service_Method (Http/ImportEndpoint.cs).
            Path = $"/wangjian.credit.v1.{name[..cut]}/{name[(cut + 1)..]}";
        }

        if (single is null && ids is null && context.Request.RouteValues.TryGetValue("operator_id", out var op) && op is string id)
        {
            Concerns(id.Trim());
        }

        StatusCode = restStatus ?? (context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? Cancelled : StatusOfHttp(context.Response.StatusCode));
    }

    /// <summary>The gRPC code of an HTTP status that JSON transcoding (or the server's own JSON errors) answered.</summary>
    private static int StatusOfHttp(int http) => (int)(http switch
    {
        >= 200 and < 300 => global::Grpc.Core.StatusCode.OK,
        400 => global::Grpc.Core.StatusCode.InvalidArgument,
        401 => global::Grpc.Core.StatusCode.Unauthenticated,
        403 => global::Grpc.Core.StatusCode.PermissionDenied,
        404 => global::Grpc.Core.StatusCode.NotFound,
        405 => global::Grpc.Core.StatusCode.Unimplemented,
        409 => global::Grpc.Core.StatusCode.AlreadyExists,
        413 => global::Grpc.Core.StatusCode.ResourceExhausted,
        429 => global::Grpc.Core.StatusCode.ResourceExhausted,
        499 => global::Grpc.Core.StatusCode.Cancelled,
        501 => global::Grpc.Core.StatusCode.Unimplemented,
        503 => global::Grpc.Core.StatusCode.Unavailable,
        504 => global::Grpc.Core.StatusCode.DeadlineExceeded,
        500 => global::Grpc.Core.StatusCode.Internal,
        _ => global::Grpc.Core.StatusCode.Unknown,
    });

    /// <summary>The entry as it is stored and answered, made by the writer.</summary>
    internal AccessEntry ToEntry() => new(
        RequestId,
        new DateTimeOffset(EndTicks, TimeSpan.Zero),
        User?.Identity?.Name,
        User is null ? null : Auth.Principals.Role(User),
        Path.Length > 0 ? Path[1..] : Path,
        OperatorIds,
        Truncated,
        StatusName(StatusCode),
        RemoteAddress is null ? null : $"{RemoteAddress}:{RemotePort.ToString(CultureInfo.InvariantCulture)}",
        DurationMs);

    internal static string StatusName(int code) => code switch
    {
        Cancelled => "CANCELLED",
        NoStatus => "UNKNOWN",
        _ => GrpcErrors.CodeName((global::Grpc.Core.StatusCode)code),
    };

    /// <summary>
    /// The gRPC status the call ended with: in the trailers, or in the headers of a trailers-only answer;
    /// CANCELLED when the client went away before either.
    /// </summary>
    private static int StatusOf(HttpContext context)
    {
        // Trailers first: most calls end with them; only an error answered at once is trailers-only.
        var value = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers["grpc-status"] ?? default;
        if (value.Count == 0)
        {
            value = context.Response.Headers["grpc-status"];
        }

        if (value.Count == 1 && int.TryParse(value[0], NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            return code;
        }

        return context.RequestAborted.IsCancellationRequested ? Cancelled : NoStatus;
    }
}
