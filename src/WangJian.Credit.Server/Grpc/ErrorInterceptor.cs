using Grpc.Core;
using Grpc.Core.Interceptors;
using Orleans.Runtime;
using StackExchange.Redis;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Health;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Grpc;

/// <summary>
/// Maps exceptions to gRPC status codes in one place, so services stay thin: domain validation is
/// INVALID_ARGUMENT, a store or cluster member that cannot answer is UNAVAILABLE (retryable) saying which,
/// and only a real defect is INTERNAL. A unary call that has no answer within <c>Storage:OperationTimeoutMs</c>
/// while the store does not answer a short PING either (a frozen store: every store command waits for its
/// own timeout, and a call makes several) is answered UNAVAILABLE then; its work may still finish, which a
/// retry of an idempotent write finds.
/// </summary>
public sealed class ErrorInterceptor(
    ILogger<ErrorInterceptor> logger,
    StorageOptions storage,
    IConnectionMultiplexer redis,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    IHostApplicationLifetime lifetime) : Interceptor
{
    private readonly TimeSpan callTimeout = storage.OperationTimeout;

    /// <summary>When a call still running is checked on: the operation timeout less a store probe (or the timeout, when it is that short).</summary>
    private readonly TimeSpan probeAt = storage.OperationTimeout > 2 * StoreHealthCheck.ProbeTimeout ? storage.OperationTimeout - StoreHealthCheck.ProbeTimeout : storage.OperationTimeout;

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        NoteOperators(request, context);
        Task<TResponse> call;
        try
        {
            call = continuation(request, context);
        }
        catch (Exception e) when (Map(e, context) is { } mapped)
        {
            throw mapped;
        }

        // A call answered at once (a read from memory) is handed back as it is: no state machine, no timer.
        return call.IsCompletedSuccessfully ? call : AwaitAsync(call, context);
    }

    private async Task<TResponse> AwaitAsync<TResponse>(Task<TResponse> call, ServerCallContext context)
    {
        try
        {
            if (call.IsCompleted)
            {
                return await call;
            }

            try
            {
                // One timer per call (WaitAsync), dropped as soon as the call completes. It fires a probe's length
                // before the operation timeout, so that a store that does not answer is reported by then.
                return await call.WaitAsync(probeAt);
            }
            catch (TimeoutException) when (!call.IsCompleted && !context.CancellationToken.IsCancellationRequested)
            {
                var probe = StoreAnswersAsync();
                if (await Task.WhenAny(call, probe) != call && !await probe)
                {
                    // Slow because the store does not answer: say so now. A call that is only queued (many
                    // calls on one operator, a busy machine) while the store answers goes on to its answer.
                    throw StoreNotAnswering(context);
                }
            }

            return await call;
        }
        catch (Exception e) when (Map(e, context) is { } mapped)
        {
            throw mapped;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception e) when (Map(e, context, clientStreaming: true) is { } mapped)
        {
            throw mapped;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        NoteOperators(request, context);
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (Map(e, context) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>
    /// The operators the request names, for the access log, from the message grpc-dotnet (or JSON transcoding)
    /// parsed; a call refused before it ran has them noted by <see cref="MessageValidationMiddleware.NoteRefusedOperatorsAsync"/>.
    /// </summary>
    private static void NoteOperators<TRequest>(TRequest request, ServerCallContext context)
    {
        if (request is Google.Protobuf.IMessage message && Audit.AccessFeature.Of(context) is { } access)
        {
            MessageValidationMiddleware.NoteOperators(message, access);
        }
    }

    /// <summary>The error a call ends with, noted for the access log of a REST call (whose answer has no grpc-status).</summary>
    private RpcException? Map(Exception e, ServerCallContext context, bool clientStreaming = false)
    {
        var mapped = MapCore(e, context, clientStreaming);
        Audit.AccessFeature.Of(context)?.Answered((mapped ?? e as RpcException)?.StatusCode ?? StatusCode.Unknown);
        return mapped;
    }

    private RpcException? MapCore(Exception e, ServerCallContext context, bool clientStreaming)
    {
        switch (e)
        {
            case RpcException:
                return null;
            case DomainValidationException v:
                return GrpcErrors.InvalidArgument(v.Violations);
            case Abstractions.CommandFailedException c:
                return GrpcErrors.FromCommand(c.Error);
            case Google.Protobuf.InvalidProtocolBufferException bad:
                // A streamed message that does not parse (unary bodies are checked before this).
                return GrpcErrors.InvalidArgument("(request)", $"a streamed message is not valid: {bad.Message}");
            case InvalidDataException bad when clientStreaming:
                return GrpcErrors.InvalidArgument("(request)", $"a streamed message frame is not valid: {bad.Message}");
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new global::Grpc.Core.Status(StatusCode.Cancelled, "the call was cancelled"));
        }

        if ((LeavingCluster() ?? Unavailability(e)) is { } reason)
        {
            logger.LogWarning(e, "{Method}: {Reason}", context.Method, reason);
            return GrpcErrors.Unavailable(reason + "; retry later");
        }

        logger.LogError(e, "{Method} failed", context.Method);
        return new RpcException(new global::Grpc.Core.Status(StatusCode.Internal, "internal error; it has been logged"));
    }

    /// <summary>
    /// A server that is stopping, or that the cluster has declared dead (it was frozen or cut off, and
    /// learns it when it wakes), fails its calls in many Orleans-internal ways while it goes; every one of
    /// them is the same fact for the caller: this server cannot answer, another one can.
    /// </summary>
    private string? LeavingCluster()
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return "this server is stopping";
        }

        var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        return status is SiloStatus.Active ? null : $"this server is not an active cluster member ({status})";
    }

    private async Task<bool> StoreAnswersAsync() =>
        redis.IsConnected
        && await redis.GetDatabase().PingAsync().WaitAsync(StoreHealthCheck.ProbeTimeout).ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default);

    private RpcException StoreNotAnswering(ServerCallContext context)
    {
        var reason = $"the credit store did not answer within {callTimeout.TotalMilliseconds:F0} ms";
        logger.LogWarning("{Method}: {Reason}", context.Method, reason);
        return GrpcErrors.Unavailable(reason + "; retry later");
    }

    /// <summary>
    /// Why a call failed for a reason outside the caller's control, or null for a defect. Store failures
    /// are found also when they come back wrapped by a grain call.
    /// </summary>
    internal static string? Unavailability(Exception? e)
    {
        string? cluster = null;
        for (; e is not null; e = e.InnerException)
        {
            if (IsStoreFailure(e))
            {
                return "the credit store is unavailable";
            }

            cluster ??= e switch
            {
                SiloUnavailableException => "the cluster member that hosts this operator is unavailable",
                OrleansMessageRejectionException => "the cluster rejected the call (a member is starting, stopping or overloaded)",
                TimeoutException => "the operator's grain did not answer in time",
                Orleans.Storage.InconsistentStateException => "the operator's record was changed by another cluster member",
                _ when e.GetType().FullName is "Orleans.Runtime.Messaging.ConnectionFailedException" or "Microsoft.AspNetCore.Connections.ConnectionAbortedException"
                    => "the connection to another cluster member failed",
                _ => null,
            };

            if (e is AggregateException { InnerExceptions.Count: > 0 } agg && agg.InnerExceptions.Select(Unavailability).FirstOrDefault(r => r is not null) is { } inner)
            {
                return inner;
            }
        }

        return cluster;
    }

    private static bool IsStoreFailure(Exception e)
    {
        if (e is RedisException or RedisTimeoutException or StoreTimeoutException)
        {
            return true;
        }

        // Exceptions that cross a grain call may arrive as Orleans' stand-in for a type it could not copy.
        var typeName = e.GetType().FullName ?? string.Empty;
        return typeName.StartsWith("StackExchange.Redis.", StringComparison.Ordinal)
            || e.Message.Contains("StackExchange.Redis.Redis", StringComparison.Ordinal);
    }
}
