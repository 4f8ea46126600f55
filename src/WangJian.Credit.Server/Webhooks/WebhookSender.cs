using System.Net.Sockets;
using System.Text;
using StandardWebhooks;

namespace WangJian.Credit.Server.Webhooks;

/// <summary>The outcome of one POST.</summary>
public sealed record SendResult(bool Succeeded, int HttpStatus, string Error);

/// <summary>
/// POSTs one event, signed per Standard Webhooks (<c>webhook-id</c>, <c>webhook-timestamp</c>,
/// <c>webhook-signature: v1,&lt;base64 HMAC-SHA256 of "id.timestamp.body"&gt;</c>, by the StandardWebhooks
/// package). Connections go only to addresses <see cref="UrlGuard"/> passed at connect time; redirects are
/// not followed (a redirect could point anywhere).
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private readonly HttpClient http;
    private readonly TimeProvider time;

    public WebhookSender(UrlGuard guard, TimeProvider time)
    {
        this.time = time;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = async (context, ct) =>
            {
                var host = context.DnsEndPoint.Host;
                var addresses = await UrlGuard.ResolveAsync(host, ct);
                if (guard.CheckAddresses(host, addresses) is { } refused)
                {
                    throw new HttpRequestException(refused);
                }

                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        // Timeouts are the pipeline's (per attempt); the client's own would race them.
        http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The signature headers for a body, as a receiver recomputes them.</summary>
    public static (string Timestamp, string Signature) Sign(string secret, string eventId, DateTimeOffset at, string body) =>
        (at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), new StandardWebhook(secret).Sign(eventId, at, body));

    public async Task<SendResult> SendAsync(string url, string secret, string eventId, string body, CancellationToken ct)
    {
        var (timestamp, signature) = Sign(secret, eventId, time.GetUtcNow(), body);
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("webhook-id", eventId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp);
        request.Headers.TryAddWithoutValidation("webhook-signature", signature);
        request.Headers.UserAgent.ParseAdd("WangJian.Credit-Webhooks/1");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var status = (int)response.StatusCode;
        return response.IsSuccessStatusCode
            ? new SendResult(true, status, string.Empty)
            : new SendResult(false, status, $"HTTP {status} {response.ReasonPhrase}");
    }

    public void Dispose() => http.Dispose();
}
