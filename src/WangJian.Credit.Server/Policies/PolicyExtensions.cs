using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Rules;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Policies;

/// <summary>The policy file as loaded at start: the initial version of a fresh store.</summary>
public sealed record LoadedPolicy(CreditPolicy Policy, string Document);

public static class PolicyExtensions
{
    /// <summary>Loads <c>Policy:Path</c> (default the shipped file): a broken policy stops the server before it scores anything.</summary>
    public static LoadedPolicy LoadPolicyFile(this PolicyOptions options, ILogger bootLog)
    {
        var policy = PolicyLoader.Load(options.Path);
        var document = File.ReadAllText(options.Path ?? PolicyLoader.DefaultPath);
        bootLog.LogInformation("Policy {Version} loaded: {Offenses} offenses, {Measures} measures", policy.Version, policy.Offenses.Count, policy.Measures.Count);
        return new LoadedPolicy(policy, document);
    }

    /// <summary>
    /// The published policy versions (a fresh store starts with the policy file as its initial version), the
    /// NRules scorer, the simulator and the rollout that re-assesses operators when a version comes into force.
    /// </summary>
    public static async Task AddPoliciesAsync(this WebApplicationBuilder builder, LoadedPolicy file, CreditStore store, ILogger bootLog)
    {
        var policyStore = new PolicyStore(store.Redis);
        var versions = new PolicyVersions(await PolicyCatalog.LoadAsync(policyStore, file.Policy, file.Document, bootLog));
        bootLog.LogInformation("Policy versions: {Versions}; in force now: {Current}", string.Join(", ", versions.Timeline.Versions.Select(v => $"{v.Version} from {v.EffectiveFrom:yyyy-MM-dd'T'HH:mm:ss'Z'}")), versions.Timeline.At(TimeProvider.System.GetUtcNow()).Version);

        var services = builder.Services;
        services.AddSingleton(policyStore);
        services.AddSingleton(versions);
        services.AddSingleton<PolicyCatalog>();
        services.AddSingleton<PolicySimulator>();
        services.AddHostedService<PolicyRollout>();
        services.AddSingleton<ICreditScorer, NRulesCreditScorer>();
    }
}
