using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace WangJian.Credit.Server.Tests.Fixtures;

/// <summary>
/// A real webhook receiver: Kestrel on loopback. It checks every request's signature with the Standard
/// Webhooks algorithm written out here (HMAC-SHA256 over "id.timestamp.body" with the base64 key after
/// "whsec_"), independently of the server's signing code, and keeps each event id once, in the order first
/// accepted. <see cref="Behave"/> decides the answer of each request (status, or a stall before it).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, bool> seen = new();
    private readonly object gate = new();
    private int requests;

    private WebhookReceiver(WebApplication app) => this.app = app;

    public string Url { get; private set; } = "";

    public string Secret { get; set; } = "";

    /// <summary>Request number (1-based) → delay before answering and the status to answer.</summary>
    public Func<int, (TimeSpan Delay, int Status)> Behave { get; set; } = _ => (TimeSpan.Zero, 200);

    /// <summary>Accepted events (a 2xx was answered), first acceptance of each id only.</summary>
    public List<(string Id, string Body)> Events { get; } = [];

    public int BadSignatures { get; private set; }

    public int Requests => requests;

    public static async Task<WebhookReceiver> StartAsync(int port = 0, string secret = "")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        // The server's appsettings.json beside the tests makes endpoints HTTP/2-only; a webhook receiver speaks HTTP/1.1.
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app) { Secret = secret };
        app.MapPost("/hook", (RequestDelegate)receiver.HandleAsync);
        await app.StartAsync();
        receiver.Url = app.Urls.First() + "/hook";
        return receiver;
    }

    public int Port => new Uri(Url).Port;

    private async Task HandleAsync(HttpContext context)
    {
        var n = Interlocked.Increment(ref requests);
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var id = context.Request.Headers["webhook-id"].ToString();
        if (!Verify(id, context.Request.Headers["webhook-timestamp"].ToString(), body, context.Request.Headers["webhook-signature"].ToString()))
        {
            lock (gate)
            {
                BadSignatures++;
            }

            context.Response.StatusCode = 401;
            return;
        }

        var (delay, status) = Behave(n);
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (status is >= 200 and < 300 && !context.RequestAborted.IsCancellationRequested && seen.TryAdd(id, true))
        {
            lock (gate)
            {
                Events.Add((id, body));
            }
        }

        context.Response.StatusCode = status;
    }

    public List<(string Id, string Body)> Snapshot()
    {
        lock (gate)
        {
            return [.. Events];
        }
    }

    private bool Verify(string id, string timestamp, string body, string signatures)
    {
        if (id.Length == 0 || !long.TryParse(timestamp, out var ts) || Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - ts) > 300)
        {
            return false;
        }

        var key = Convert.FromBase64String(Secret.StartsWith("whsec_", StringComparison.Ordinal) ? Secret[6..] : Secret);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
        return signatures.Split(' ').Any(s => s.StartsWith("v1,", StringComparison.Ordinal)
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s[3..]), Encoding.ASCII.GetBytes(expected)));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
