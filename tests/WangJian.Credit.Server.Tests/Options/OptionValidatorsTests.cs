using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Delivery;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Webhooks;

namespace WangJian.Credit.Server.Tests.Options;

/// <summary>
/// The option validators alone: defaults pass, each bad value fails with a message naming its setting, and
/// nothing is raised to a minimum (the start-up tests run the same values through the real server process).
/// </summary>
[Trait("Category", "Unit")]
public sealed class OptionValidatorsTests
{
    [Fact]
    public void Defaults_AllPass()
    {
        Assert.True(new StorageOptionsValidator().Validate(null, new StorageOptions()).Succeeded);
        Assert.True(new OrleansOptionsValidator().Validate(null, new OrleansOptions()).Succeeded);
        Assert.True(new PolicyOptionsValidator().Validate(null, new PolicyOptions()).Succeeded);
        Assert.True(new ObservabilityOptionsValidator().Validate(null, new ObservabilityOptions()).Succeeded);
        Assert.True(new AuthOptionsValidator().Validate(null, new AuthOptions()).Succeeded);
        Assert.True(new AuditOptionsValidator().Validate(null, new AuditOptions()).Succeeded);
        Assert.True(new ApprovalsOptionsValidator().Validate(null, new ApprovalsOptions()).Succeeded);
        Assert.True(new AgencyEndpointsOptionsValidator().Validate(null, new AgencyEndpointsOptions()).Succeeded);
        Assert.True(new DeliveryOptionsValidator().Validate(null, new DeliveryOptions()).Succeeded);
        Assert.True(new WebhookOptionsValidator().Validate(null, new WebhookOptions()).Succeeded);
    }

    [Theory]
    [InlineData(0, "Delivery:Retries")]
    [InlineData(101, "Delivery:Retries")]
    public void Delivery_RetriesOutOfRange_FailsNamingIt(int retries, string setting) =>
        AssertFails(new DeliveryOptionsValidator().Validate(null, new DeliveryOptions { Retries = retries }), setting);

    [Fact]
    public void Delivery_BreakShorterThanPollysShortest_IsRefusedNotRaised() =>
        AssertFails(new DeliveryOptionsValidator().Validate(null, new DeliveryOptions { BreakMs = 499 }), "Delivery:BreakMs");

    [Fact]
    public void Webhooks_BreakAndRetries_CheckedLikeDelivery()
    {
        AssertFails(new WebhookOptionsValidator().Validate(null, new WebhookOptions { BreakMs = 100 }), "Webhooks:BreakMs");
        AssertFails(new WebhookOptionsValidator().Validate(null, new WebhookOptions { Retries = 0 }), "Webhooks:Retries");
    }

    [Fact]
    public void Storage_SeveralBadValues_EachNamed()
    {
        var result = new StorageOptionsValidator().Validate(null, new StorageOptions { OperationTimeoutMs = 0, LogSizeLimitMb = 0, LogGrowthPercent = -1 });
        AssertFails(result, "Storage:OperationTimeoutMs");
        AssertFails(result, "Storage:LogSizeLimitMb");
        AssertFails(result, "Storage:LogGrowthPercent");
        AssertFails(new StorageOptionsValidator().Validate(null, new StorageOptions { LogGrowthPercent = 1001 }), "Storage:LogGrowthPercent");
        Assert.True(new StorageOptionsValidator().Validate(null, new StorageOptions { LogGrowthPercent = 0 }).Succeeded);
    }

    [Fact]
    public void Durations_AreTheDocumentedMillisecondSettings()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:OperationTimeoutMs"] = "1500",
            ["Delivery:MaxBackoffMs"] = "2500",
        }).Build();

        Assert.Equal(TimeSpan.FromMilliseconds(1500), config.GetSection(StorageOptions.Section).Get<StorageOptions>()!.OperationTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), config.GetSection(DeliveryOptions.Section).Get<DeliveryOptions>()!.MaxBackoff);
    }

    [Fact]
    public void Approvals_SecondPersonForAsAList_IsReadAsOneSetting()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Approvals:SecondPersonFor:0"] = "REVOKE",
            ["Approvals:SecondPersonFor:1"] = "BOGUS",
        }).Build();
        var options = config.GetSection(ApprovalsOptions.Section).Get<ApprovalsOptions>()!;
        ApprovalsOptionsValidator.ReadSecondPersonFor(options, config);

        Assert.Equal("REVOKE,BOGUS", options.SecondPersonFor);
        AssertFails(new ApprovalsOptionsValidator().Validate(null, options), "Approvals:SecondPersonFor");
    }

    [Fact]
    public void OneLine_JoinsFailuresOnOneLine()
    {
        var e = new OptionsValidationException("", typeof(StorageOptions), ["a (X:Y)", "b (X:Z)"]);
        Assert.Equal("a (X:Y); b (X:Z)", ValidatedOptions.OneLine(e));
    }

    private static void AssertFails(ValidateOptionsResult result, string setting)
    {
        Assert.True(result.Failed, $"expected a failure naming {setting}");
        Assert.Contains(result.Failures!, f => f.EndsWith($"({setting})", StringComparison.Ordinal));
    }
}
