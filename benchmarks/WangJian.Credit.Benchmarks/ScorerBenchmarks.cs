using BenchmarkDotNet.Attributes;
using WangJian.Credit.Domain;
using WangJian.Credit.Rules;
using WangJian.Credit.Rules.Tests;

namespace WangJian.Credit.Benchmarks;

/// <summary>One assessment per call: the NRules scorer against the plain C# reference scorer.</summary>
/// <remarks>Min and median beside the mean: on a shared 2-core machine the mean mostly measures the neighbours.</remarks>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class ScorerBenchmarks
{
    private readonly NRulesCreditScorer nrules = new();
    private readonly ReferenceScorer reference = new();
    private CreditPolicy policy = null!;
    private OperatorHistory history = null!;

    [Params(1, 10, 100)]
    public int Violations { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        policy = PolicyLoader.Load(FindPolicy());
        history = SampleHistories.Create(policy, Violations);

        // Compiling the rule network is a once-per-process cost, not part of an evaluation.
        _ = nrules.Assess(history, policy, SampleHistories.AsOf);
    }

    [Benchmark(Baseline = true)]
    public Assessment Reference() => reference.Assess(history, policy, SampleHistories.AsOf);

    [Benchmark]
    public Assessment NRules() => nrules.Assess(history, policy, SampleHistories.AsOf);

    /// <summary>BenchmarkDotNet runs a generated copy of this project, so look beside it and up the tree.</summary>
    internal static string FindPolicy()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "policy", "policy.json"), Path.Combine(dir.FullName, "rules", "policy", "policy.json") })
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return PolicyLoader.DefaultPath;
    }
}
