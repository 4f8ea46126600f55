using System.Runtime.CompilerServices;
using NRules;
using NRules.Fluent;
using WangJian.Credit.Domain;
using WangJian.Credit.Rules.Facts;

namespace WangJian.Credit.Rules;

/// <summary>
/// docs/policy.md §4 as NRules rules (one per file under <c>Rules/</c>): one session per assessment over
/// the history's facts, the as-of fact and the policy fact.
/// </summary>
/// <remarks>
/// <para>
/// The compiled rule network holds no policy number — every rule reads them from the
/// <see cref="PolicyFact"/> — so one compiled <see cref="ISessionFactory"/> serves every policy and
/// version. What does depend on the policy (its lookup sets) is built once per policy instance.
/// </para>
/// <para>
/// <see cref="Assessment.NextChangeAt"/> is the earliest instant after T that any rule names as the
/// end of its own conclusion: an age band's end, a violation leaving a repeat window, the listing's
/// expiry, a decision, violation repair or listing repair dated after T, the day violation repair or
/// listing repair becomes possible. Nothing else changes the assessment without a new record.
/// </para>
/// </remarks>
public sealed class NRulesCreditScorer : ICreditScorer
{
    private static readonly Lazy<ISessionFactory> SharedFactory = new(Compile, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly ConditionalWeakTable<CreditPolicy, PolicyFact> PolicyFacts = [];

    /// <summary>The compiled rule set, shared by every scorer instance and thread.</summary>
    public static ISessionFactory SessionFactory => SharedFactory.Value;

    public Assessment Assess(OperatorHistory history, CreditPolicy policy, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(policy);

        var facts = Facts(history, policy, asOf, out var card);
        var session = SessionFactory.CreateSession();
        session.InsertAll(facts);
        session.Fire();

        return new Assessment(
            history.OperatorId,
            card.AsOf,
            policy.Version,
            card.Score ?? throw new InvalidOperationException("the score rule did not fire"),
            card.Grade!.Value,
            card.OrderedDeductions(),
            card.Listing,
            card.NextChangeAt);
    }

    /// <summary>
    /// The facts of one assessment session: the as-of, policy and (empty) result facts, one fact per
    /// violation in the total chronological order, one per family and one per listing repair. The rule
    /// tests insert the same facts into a session of one rule.
    /// </summary>
    internal static List<object> Facts(OperatorHistory history, CreditPolicy policy, DateTimeOffset asOf, out Scorecard card)
    {
        var asOfFact = new AsOfFact(asOf);
        var policyFact = PolicyFacts.GetValue(policy, static p => new PolicyFact(p));
        card = new Scorecard(asOfFact.At);

        var violations = history.Violations.ToArray();
        Array.Sort(violations, Violation.CompareChronologically);

        var facts = new List<object>(violations.Length + history.ListingRepairs.Count + 8) { asOfFact, policyFact, card };
        var families = new Dictionary<string, List<ViolationFact>>(StringComparer.Ordinal);
        for (var i = 0; i < violations.Length; i++)
        {
            var fact = new ViolationFact(violations[i], policy.Offense(violations[i].OffenseCode), i);
            facts.Add(fact);
            if (!families.TryGetValue(fact.Family, out var members))
            {
                families[fact.Family] = members = [];
            }

            members.Add(fact);
        }

        foreach (var (family, members) in families)
        {
            facts.Add(new FamilyFact(family, members));
        }

        foreach (var repair in history.ListingRepairs)
        {
            facts.Add(new ListingRepairFact(repair));
        }

        return facts;
    }

    private static ISessionFactory Compile()
    {
        var repository = new RuleRepository();
        repository.Load(x => x.From(typeof(NRulesCreditScorer).Assembly));
        return repository.Compile();
    }
}
