using Grpc.Core;
using Grpc.Core.Interceptors;
using Orleans.Runtime;
using StackExchange.Redis;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Server.Grpc;

/// <summary>
/// Maps exceptions to gRPC status codes in one place, so services stay thin: domain validation is
/// INVALID_ARGUMENT, a store or silo that cannot answer is UNAVAILABLE (retryable), and only a real
/// defect is INTERNAL.
/// </summary>
public sealed class ErrorInterceptor(ILogger<ErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
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
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (Map(e, context) is { } mapped)
        {
            throw mapped;
        }
    }

    private RpcException? Map(Exception e, ServerCallContext context, bool clientStreaming = false)
    {
        switch (e)
        {
            case RpcException:
                return null;
            case DomainValidationException v:
                return GrpcErrors.InvalidArgument(v.Violations);
            case Google.Protobuf.InvalidProtocolBufferException bad:
                // A streamed message that does not parse (unary bodies are checked before this).
                return GrpcErrors.InvalidArgument("(request)", $"a streamed message is not valid: {bad.Message}");
            case InvalidDataException bad when clientStreaming:
                return GrpcErrors.InvalidArgument("(request)", $"a streamed message frame is not valid: {bad.Message}");
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new global::Grpc.Core.Status(StatusCode.Cancelled, "the call was cancelled"));
        }

        if (IsUnavailable(e))
        {
            logger.LogWarning(e, "{Method}: storage or cluster unavailable", context.Method);
            return GrpcErrors.Unavailable("the credit store is unavailable; retry later");
        }

        logger.LogError(e, "{Method} failed", context.Method);
        return new RpcException(new global::Grpc.Core.Status(StatusCode.Internal, "internal error; it has been logged"));
    }

    /// <summary>Store and cluster failures, also when they come back wrapped by a grain call.</summary>
    internal static bool IsUnavailable(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is RedisException or RedisConnectionException or RedisTimeoutException
                or TimeoutException or SiloUnavailableException or OrleansMessageRejectionException)
            {
                return true;
            }

            // Exceptions that cross a grain call may arrive as Orleans' stand-in for a type it could not copy.
            var typeName = e.GetType().FullName ?? string.Empty;
            if (typeName.StartsWith("StackExchange.Redis.", StringComparison.Ordinal)
                || e.Message.Contains("StackExchange.Redis.Redis", StringComparison.Ordinal))
            {
                return true;
            }

            if (e is AggregateException { InnerExceptions.Count: > 0 } agg && agg.InnerExceptions.Any(IsUnavailable))
            {
                return true;
            }
        }

        return false;
    }
}
