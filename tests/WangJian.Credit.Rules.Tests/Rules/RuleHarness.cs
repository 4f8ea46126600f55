using NRules;
using NRules.Fluent;
using NRules.Fluent.Dsl;
using WangJian.Credit.Domain;
using WangJian.Credit.Rules.Facts;

namespace WangJian.Credit.Rules.Tests.Rules;

/// <summary>What one rule did in a session of its own: each firing, with the facts it matched, and the result fact.</summary>
internal sealed record RuleRun(IReadOnlyList<IReadOnlyList<object>> Firings, Scorecard Card, IReadOnlyList<ViolationFact> Violations, ListedFact? Listed)
{
    public ViolationFact Violation(string code) => Violations.Single(v => v.Code == code);
}

/// <summary>
/// Compiles one rule class alone and runs it over the facts the real scorer would insert for a history
/// (<see cref="NRulesCreditScorer.Facts"/>), so a test sees exactly what that rule fires on and concludes,
/// with no other rule's help. Facts another rule would have produced (a listing, a multiplier) are
/// given by the test.
/// </summary>
internal static class RuleHarness<TRule> where TRule : Rule
{
    private static readonly ISessionFactory Factory = Compile();

    /// <param name="prepare">Fills in what earlier rules would have concluded (triggers, deductions) before this one runs.</param>
    public static RuleRun Run(
        OperatorHistory history,
        DateTimeOffset asOf,
        Action<Scorecard, IReadOnlyList<ViolationFact>>? prepare = null,
        params object[] extraFacts)
    {
        var facts = NRulesCreditScorer.Facts(history, Histories.Policy, asOf, out var card);
        var violations = facts.OfType<ViolationFact>().ToArray();
        prepare?.Invoke(card, violations);
        facts.AddRange(extraFacts);
        var firings = new List<IReadOnlyList<object>>();
        var session = Factory.CreateSession();
        session.Events.RuleFiredEvent += (_, e) => firings.Add(e.Facts.Select(f => f.Value!).ToArray());
        session.InsertAll(facts);
        session.Fire();
        return new RuleRun(firings, card, violations, session.Query<ListedFact>().SingleOrDefault());
    }

    private static ISessionFactory Compile()
    {
        var repository = new RuleRepository();
        repository.Load(x => x.From(typeof(TRule)));
        var rule = Assert.Single(repository.GetRuleSets().SelectMany(s => s.Rules));
        Assert.Equal(typeof(TRule).GetField("Id")!.GetValue(null), rule.Name);
        return repository.Compile();
    }
}
