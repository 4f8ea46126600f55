using Grpc.Core;

namespace WangJian.Credit.Server.Http;

/// <summary>
/// A ServerCallContext over a plain HTTP request, for a service method called outside grpc-dotnet (the
/// hand-mapped REST form of a client-streaming rpc). It carries the HttpContext the way JSON transcoding
/// does, so <c>GetHttpContext()</c> (the caller's principal) works the same.
/// </summary>
internal sealed class HttpCallContext(HttpContext http, string method) : ServerCallContext
{
    private readonly Dictionary<object, object> userState = new() { ["__HttpContext"] = http };

    protected override string MethodCore => method;

    protected override string HostCore => http.Request.Host.Value ?? string.Empty;

    protected override string PeerCore => http.Connection.RemoteIpAddress?.ToString() ?? string.Empty;

    protected override DateTime DeadlineCore => DateTime.MaxValue;

    protected override Metadata RequestHeadersCore { get; } = [];

    protected override CancellationToken CancellationTokenCore => http.RequestAborted;

    protected override Metadata ResponseTrailersCore { get; } = [];

    protected override Status StatusCore { get; set; }

    protected override WriteOptions? WriteOptionsCore { get; set; }

    protected override AuthContext AuthContextCore { get; } = new(null, []);

    protected override IDictionary<object, object> UserStateCore => userState;

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
