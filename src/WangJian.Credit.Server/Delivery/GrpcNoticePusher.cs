using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Options;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Delivery;

/// <summary>
/// Pushes notices to agency receivers (<c>NoticeReceiverService.DeliverNotice</c>) through the named
/// Polly pipeline of each agency (<c>agency-delivery:CODE</c>: retry with jittered exponential backoff,
/// a circuit breaker per agency, and a timeout per attempt). A push refused by the open circuit is
/// reported as deferred until the circuit half-opens.
/// </summary>
public sealed class GrpcNoticePusher(
    IOptions<AgencyEndpointsOptions> endpoints,
    IOptions<DeliveryOptions> options,
    ResiliencePipelineProvider<string> pipelines) : INoticePusher, IDisposable
{
    public const string PipelinePrefix = "agency-delivery:";
    private readonly ConcurrentDictionary<string, GrpcChannel> channels = new();

    public bool HasEndpoint(string agency) => Endpoint(agency) is not null;

    public async Task PushAsync(string agency, StoredNotice notice, CancellationToken cancellationToken)
    {
        var endpoint = Endpoint(agency) ?? throw new InvalidOperationException($"agency {agency} has no receiver endpoint");
        var channel = channels.GetOrAdd(agency, _ => GrpcChannel.ForAddress(endpoint.Url, new GrpcChannelOptions
        {
            // Every push connects on demand: the outbox and the pipeline own retries and backoff. The
            // channel's own reconnect backoff (1 s doubling up to 2 min) kept a receiver that was back
            // unreachable long after it answered again, every push failing fast meanwhile.
            HttpClient = new HttpClient(new SocketsHttpHandler
            {
                ConnectTimeout = options.Value.AttemptTimeout,
                EnableMultipleHttp2Connections = true,
            })
            {
                Timeout = Timeout.InfiniteTimeSpan,
            },
            DisposeHttpClient = true,
        }));
        var client = new NoticeReceiverService.NoticeReceiverServiceClient(channel);
        var request = new DeliverNoticeRequest { Notice = NoticeMapper.ToProto(notice) };
        var headers = new Metadata();
        if (!string.IsNullOrEmpty(endpoint.Token))
        {
            headers.Add("authorization", $"Bearer {endpoint.Token}");
        }

        var pipeline = pipelines.GetPipeline(PipelinePrefix + agency);
        try
        {
            await pipeline.ExecuteAsync(
                async ct => await client.DeliverNoticeAsync(request, headers, cancellationToken: ct),
                cancellationToken);
        }
        catch (BrokenCircuitException e)
        {
            // Nothing was sent: the outbox retries when the circuit lets a trial through.
            throw new NoticeDeferredException(e.RetryAfter ?? options.Value.Break, $"circuit of {agency} is open", e);
        }
    }

    public void Dispose()
    {
        foreach (var c in channels.Values)
        {
            c.Dispose();
        }
    }

    private AgencyEndpoint? Endpoint(string agency) =>
        endpoints.Value.Endpoints.TryGetValue(agency, out var e) && !string.IsNullOrWhiteSpace(e.Url) ? e : null;
}
