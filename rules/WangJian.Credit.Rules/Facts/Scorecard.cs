using WangJian.Credit.Domain;

namespace WangJian.Credit.Rules.Facts;

/// <summary>A listing trigger found by a rule, before listing repairs and the run are applied.</summary>
/// <param name="Order">Chronological position of the violation whose decision is the trigger, for a total order of triggers.</param>
public sealed record TriggerCandidate(DateTimeOffset At, string Rule, int Order, IReadOnlyList<string> ViolationIds)
{
    public bool Void { get; set; }
}

/// <summary>
/// The result the rules build up in one session: the scorer inserts it empty and reads it after
/// <c>Fire()</c>. Mutating one result fact is far cheaper than inserting a fact per conclusion.
/// </summary>
public sealed class Scorecard(DateTimeOffset asOf)
{
    private readonly List<(int Order, Deduction Deduction)> deductions = [];
    private readonly List<TriggerCandidate> triggers = [];

    public DateTimeOffset AsOf { get; } = asOf.ToUniversalTime();

    public decimal? Score { get; private set; }

    public Grade? Grade { get; private set; }

    public Listing? Listing { get; private set; }

    /// <summary>The earliest instant after T that some rule said its conclusion could change at.</summary>
    public DateTimeOffset? NextChangeAt { get; private set; }

    public IReadOnlyList<TriggerCandidate> Triggers => triggers;

    public decimal TotalDeducted
    {
        get
        {
            var sum = 0m;
            foreach (var (_, d) in deductions)
            {
                sum += d.Points;
            }

            return sum;
        }
    }

    public IReadOnlyList<Deduction> OrderedDeductions()
    {
        // Agenda order among equal priorities is an engine detail; the report follows §4.2's total order.
        deductions.Sort(static (a, b) => a.Order.CompareTo(b.Order));
        var result = new Deduction[deductions.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = deductions[i].Deduction;
        }

        return result;
    }

    public void AddDeduction(int order, Deduction deduction) => deductions.Add((order, deduction));

    public void AddTrigger(TriggerCandidate trigger) => triggers.Add(trigger);

    public void SetListing(Listing listing) => Listing = listing;

    public void SetScore(decimal score, Grade grade)
    {
        Score = score;
        Grade = grade;
    }

    public void SetGrade(Grade grade) => Grade = grade;

    /// <summary>Instants at or before T are history, not a future change; they are ignored.</summary>
    public void ProposeChange(DateTimeOffset at)
    {
        if (at > AsOf && (NextChangeAt is not { } next || at < next))
        {
            NextChangeAt = at;
        }
    }
}
