using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Fixtures;

/// <summary>
/// A real agency system on loopback implementing NoticeReceiverService, as agencies would: it applies
/// each notice id once (a repeat is answered OK and ignored) and records the order it applied them in.
/// <see cref="Behaviour"/> decides, per call, whether to fail, stall or answer.
/// </summary>
public sealed class AgencyReceiver : IAsyncDisposable
{
    private WebApplication? app;
    private int calls;

    public AgencyReceiver(string agency) => Agency = agency;

    public string Agency { get; }

    public int Port { get; } = FreePort();

    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Given the 1-based call number: throw to fail, delay to be slow, return to accept.</summary>
    public Func<int, CancellationToken, Task> Behaviour { get; set; } = (_, _) => Task.CompletedTask;

    public ConcurrentQueue<Notice> Applied { get; } = new();

    /// <summary>When each notice id was first applied (<see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public ConcurrentDictionary<string, long> AppliedAt { get; } = new();

    public int Calls => calls;

    public int Duplicates;

    public bool Running => app is not null;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, Port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(this);
        app = builder.Build();
        app.MapGrpcService<ReceiverService>();
        await app.StartAsync();
    }

    public async Task StopAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            app = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private sealed class ReceiverService(AgencyReceiver receiver) : NoticeReceiverService.NoticeReceiverServiceBase
    {
        private static readonly object Gate = new();

        public override async Task<DeliverNoticeResponse> DeliverNotice(DeliverNoticeRequest request, ServerCallContext context)
        {
            var n = Interlocked.Increment(ref receiver.calls);
            await receiver.Behaviour(n, context.CancellationToken);
            lock (Gate)
            {
                if (receiver.Applied.Any(a => a.NoticeId == request.Notice.NoticeId))
                {
                    Interlocked.Increment(ref receiver.Duplicates);
                }
                else
                {
                    receiver.AppliedAt[request.Notice.NoticeId] = System.Diagnostics.Stopwatch.GetTimestamp();
                    receiver.Applied.Enqueue(request.Notice);
                }
            }

            return new DeliverNoticeResponse();
        }
    }
}
