using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Serialization;
using Orleans.TestingHost;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Grains;

namespace WangJian.Credit.Grains.Tests;

/// <summary>
/// An in-process cluster for the agency outbox alone: a gated store, a recording pusher (every agency
/// pushes), in-memory reminders and a fake clock that also drives the outbox's backoff waits.
/// </summary>
public sealed class OutboxClusterFixture : IAsyncLifetime
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));

    public GatedNoticeStore Store { get; } = new();

    public RecordingPusher Pusher { get; } = new();

    /// <summary>Long waits: only the fake clock ends them, so a test sees exactly when a retry is due.</summary>
    public DeliveryOptions Delivery { get; } = new() { FirstBackoffMs = 60_000, MaxBackoffMs = 600_000 };

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.Credit);
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton(new CreditClock(Time));
            silo.Services.AddSingleton<INoticeStore>(Store);
            silo.Services.AddSingleton<INoticePusher>(Pusher);
            silo.Services.AddSingleton(new DeliveryBackoff(Delivery, new MidpointRandom()));
            silo.Services.AddSerializer(s => s.AddCreditDomainTypes());
        });
        builder.ConfigureClient(client => client.Services.AddSerializer(s => s.AddCreditDomainTypes()));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>Jitter factor exactly 1 (0.8 + 0.5 × 0.4): each backoff is its exponential value.</summary>
    private sealed class MidpointRandom : Random
    {
        public override double NextDouble() => 0.5;
    }
}
