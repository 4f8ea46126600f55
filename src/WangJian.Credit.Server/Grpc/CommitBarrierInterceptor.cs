using Grpc.Core;
using Grpc.Core.Interceptors;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Grpc;

/// <summary>
/// The one place that keeps an acknowledged write on disk: an RPC marked <see cref="WritesAttribute"/> is
/// answered (with its result or its refusal) only after <see cref="DurableWrites.WaitAsync"/>. Services
/// never await the barrier themselves, and a test fails any RPC that reaches a write without the mark.
/// Runs inside <see cref="ErrorInterceptor"/>, so a barrier that times out is answered UNAVAILABLE.
/// </summary>
public sealed class CommitBarrierInterceptor(DurableWrites durable) : Interceptor
{
    /// <summary>A read passes straight through (no state machine of its own on the path of every read).</summary>
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        Writes(context) ? WriteAsync(request, context, continuation) : continuation(request, context);

    private async Task<TResponse> WriteAsync<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        where TRequest : class
        where TResponse : class
    {
        TResponse response;
        try
        {
            response = await continuation(request, context);
        }
        catch (Exception e) when (e is RpcException or CommandFailedException)
        {
            // A refusal may follow writes of the same call (an approval marked failed): they are on disk first.
            await durable.WaitAsync();
            throw;
        }

        await durable.WaitAsync();
        return response;
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var response = await continuation(requestStream, context);
        if (Writes(context))
        {
            await durable.WaitAsync();
        }

        return response;
    }

    private static bool Writes(ServerCallContext context) =>
        context.GetHttpContext().GetEndpoint()?.Metadata.GetMetadata<WritesAttribute>() is not null;
}
