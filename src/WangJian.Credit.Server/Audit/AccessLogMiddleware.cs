using System.Diagnostics;
using System.Security.Cryptography;

namespace WangJian.Credit.Server.Audit;

/// <summary>
/// Gives every call of this service's API a request id (answered in <c>x-request-id</c>) and, when the call
/// has ended, however it ended (refused by authentication or authorization, a bad message, OK, an error),
/// queues its access entry. First in the pipeline, so nothing can answer a call without it being logged,
/// over gRPC or over REST/JSON (a REST call is logged under the rpc its path reaches).
/// </summary>
/// <remarks>
/// On the path of every call, so it only captures (one object, <see cref="AccessFeature"/>, plus the id's
/// string): names, addresses and the line are formatted by <see cref="AccessLog"/>'s writer.
/// </remarks>
public sealed class AccessLogMiddleware(RequestDelegate next, AccessLog log, TimeProvider time)
{
    public const string RequestIdHeader = "x-request-id";

    private const string ApiPrefix = "/wangjian.credit.v1.";

    /// <summary>The REST/JSON paths of the same rpcs (google.api.http rules): logged as the rpc they reach.</summary>
    private const string RestPrefix = "/v1/";

    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        var rest = path.StartsWith(RestPrefix, StringComparison.Ordinal);
        if (!rest && !path.StartsWith(ApiPrefix, StringComparison.Ordinal))
        {
            // Health probes, reflection, the OpenAPI document and the docs page are not calls of the API.
            return next(context);
        }

        var call = new AccessFeature(RequestIds.Next(time), path, Stopwatch.GetTimestamp(), rest);
        context.Response.Headers[RequestIdHeader] = call.RequestId;
        context.Features.Set(call);
        if (rest)
        {
            // A complete JSON answer can reach the caller before this middleware's finally runs, so a REST call
            // that is answered in one piece is queued as its answer starts: a read of the log the caller makes
            // next sees it, as with gRPC, whose trailers go out only after the pipeline returns. A streamed
            // answer starts with its first message and is logged when it ends, like a gRPC stream.
            context.Response.OnStarting(QueueOnStartAsync, (call, context, this));
        }

        Task pipeline;
        try
        {
            pipeline = next(context);
        }
        catch
        {
            Queue(call, context);
            throw;
        }

        // A call the pipeline answered synchronously (a read from memory) is queued at once, without a state machine.
        if (pipeline.IsCompleted)
        {
            Queue(call, context);
            return pipeline;
        }

        return QueueWhenDoneAsync(pipeline, call, context);
    }

    private async Task QueueWhenDoneAsync(Task pipeline, AccessFeature call, HttpContext context)
    {
        try
        {
            await pipeline;
        }
        finally
        {
            Queue(call, context);
        }
    }

    private static Task QueueOnStartAsync(object state)
    {
        var (call, context, self) = ((AccessFeature, HttpContext, AccessLogMiddleware))state;
        if (context.GetEndpoint()?.Metadata.GetMetadata<global::Grpc.AspNetCore.Server.GrpcMethodMetadata>()?.Method.Type is not (global::Grpc.Core.MethodType.ServerStreaming or global::Grpc.Core.MethodType.DuplexStreaming))
        {
            self.Queue(call, context);
        }

        return Task.CompletedTask;
    }

    private void Queue(AccessFeature call, HttpContext context)
    {
        if (call.Claim())
        {
            call.End(context, time);
            log.Append(call);
        }
    }
}

/// <summary>
/// Request ids: 32 hex digits, the time in milliseconds (12), this process's random instance number (8) and
/// a counter (12). Unique across processes unless two draw the same 32-bit instance and reach the same count in
/// the same millisecond; ordered by time like a UUIDv7, without a random draw per call (which was a system
/// call each: <c>Guid.CreateVersion7</c>).
/// </summary>
internal static class RequestIds
{
    private static readonly uint Instance = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4));
    private static long counter = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4));

    public static string Next(TimeProvider time)
    {
        var ms = time.GetUtcNow().ToUnixTimeMilliseconds();
        var n = Interlocked.Increment(ref counter);
        return string.Create(32, (ms, n), static (span, s) =>
        {
            Hex(span[..12], (ulong)s.ms);
            Hex(span.Slice(12, 8), Instance);
            Hex(span[20..], (ulong)s.n);
        });
    }

    private static void Hex(Span<char> into, ulong value)
    {
        for (var i = into.Length - 1; i >= 0; i--)
        {
            into[i] = "0123456789abcdef"[(int)(value & 0xF)];
            value >>= 4;
        }
    }
}
