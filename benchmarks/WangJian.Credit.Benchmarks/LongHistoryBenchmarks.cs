using BenchmarkDotNet.Attributes;
using WangJian.Credit.Domain;
using WangJian.Credit.Rules;

namespace WangJian.Credit.Benchmarks;

/// <summary>
/// The re-assessment of a write, on an operator whose history is mostly old: <c>Full</c> hands NRules every
/// violation (what the grain did before), <c>Relevant</c> what can matter at T (<see cref="HistoryIndex"/>).
/// The history is the 10 recent violations of <see cref="SampleHistories.Create"/> plus, for 10,000, 9,990
/// decided 9–14 years before T (outside every window of the policy; their listings ended years ago).
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class LongHistoryBenchmarks
{
    private readonly NRulesCreditScorer nrules = new();
    private CreditPolicy policy = null!;
    private OperatorHistory history = null!;
    private HistoryIndex index = null!;

    [Params(10, 10_000)]
    public int Violations { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        policy = PolicyLoader.Load(ScorerBenchmarks.FindPolicy());
        history = SampleHistories.CreateLong(policy, Violations);
        index = HistoryIndex.From(history);
        _ = nrules.Assess(history, policy, SampleHistories.AsOf);
    }

    [Benchmark(Baseline = true)]
    public Assessment Full() => nrules.Assess(history, policy, SampleHistories.AsOf);

    [Benchmark]
    public Assessment Relevant() => index.Assess(nrules, policy, SampleHistories.AsOf);
}
