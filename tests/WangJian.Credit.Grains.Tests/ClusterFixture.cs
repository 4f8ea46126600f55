using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Serialization;
using Orleans.TestingHost;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Rules;

namespace WangJian.Credit.Grains.Tests;

/// <summary>
/// An in-process Orleans cluster with the real scorer and policy, memory storage (operators: InMemoryOperatorStore) and reminders, and a
/// fake clock the tests move. Time only moves forward, so tests use fresh operators and relative dates.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 15, 8, 0, 0, TimeSpan.Zero));

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public CreditPolicy Policy { get; } = PolicyFile.Load();

    public PolicyVersions Versions { get; }

    public PolicyTimeline Timeline => Versions.Timeline;

    public InMemoryChangeLog Changes { get; } = new();

    public InMemoryNoticeStore Notices { get; } = new();

    public InMemoryOperatorStore Operators { get; } = new();

    /// <summary>The silo's shared current statuses (one silo).</summary>
    public CurrentStatuses Current { get; } = new();

    public ClusterFixture() => Versions = new PolicyVersions(Policy);

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.Credit);
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton(new CreditClock(Time));
            silo.Services.AddSingleton(Versions);
            silo.Services.AddSingleton(Current);
            silo.Services.AddSingleton<ICreditScorer, NRulesCreditScorer>();
            silo.Services.AddSingleton<ICreditChangeLog>(Changes);
            silo.Services.AddSingleton<INoticeStore>(Notices);
            silo.Services.AddSingleton<IOperatorStore>(Operators);
            silo.Services.AddSingleton<INoticePusher, PullOnlyPusher>();
            silo.Services.AddSingleton(new DeliveryBackoff(new DeliveryOptions(), Random.Shared));
            silo.Services.AddSerializer(s => s.AddCreditDomainTypes());
        });
        builder.ConfigureClient(client => client.Services.AddSerializer(s => s.AddCreditDomainTypes()));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
