using System.Reflection;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Rules;
using WangJian.Credit.Server.ReadModels;
using WangJian.Credit.Server.UseCases;

namespace WangJian.Credit.Server.Tests.UseCases;

/// <summary>
/// Reads of operators the record index does not know are answered without a grain; everything else goes to
/// the operator's grain (here: a grain factory that counts what it is asked for, and refuses).
/// </summary>
[Trait("Category", "Unit")]
public sealed class CreditReadsTests
{
    private static readonly CreditPolicy Policy = PolicyLoader.Load();
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);
    private readonly string Known = Fixtures.TestUscc.Fresh();

    /// <summary>A never-seen operator per test: one asked about again goes to its grain (the table of recent ones is shared).</summary>
    private readonly string Unknown = Fixtures.TestUscc.Fresh();

    [Fact]
    public async Task StatusMessages_OfOperatorsWithNoRecord_AreAnEmptyHistory_WithoutAGrain()
    {
        var (reads, asked) = Reads(complete: true, withRecord: []);

        var statuses = await reads.StatusMessagesAsync([Unknown, Known]);

        Assert.Empty(asked);
        Assert.Equal([Unknown, Known], statuses.Select(s => s.OperatorId));
        var expected = new HistoryIndex(Unknown).Assess(new NRulesCreditScorer(), PolicyTimeline.Single(Policy), Now);
        Assert.All(statuses, s => Assert.Equal(((double)expected.Score, V1.Grade.A, false, Policy.Version, Now), (s.Score, s.Grade, s.Blacklisted, s.PolicyVersion, s.AsOf.ToDateTimeOffset())));
    }

    [Fact]
    public async Task StatusMessages_OfAnOperatorWithARecord_AskItsGrain_AndOnlyIt()
    {
        var (reads, asked) = Reads(complete: true, withRecord: [Known]);

        await Assert.ThrowsAsync<GrainAsked>(() => reads.StatusMessagesAsync([Unknown, Known]));

        Assert.Single(asked);
    }

    [Fact]
    public async Task AnOperatorWithNoRecord_AskedAboutAgain_GoesToItsGrain_WhichThenStaysAndAnswersFromMemory()
    {
        var (reads, asked) = Reads(complete: true, withRecord: []);

        await reads.StatusMessageAsync(Unknown);
        Assert.Empty(asked);
        await Assert.ThrowsAsync<GrainAsked>(() => reads.StatusMessageAsync(Unknown).AsTask());

        Assert.Single(asked);
    }

    [Fact]
    public async Task Reads_BeforeTheIndexIsComplete_AskTheGrain()
    {
        var (reads, asked) = Reads(complete: false, withRecord: []);

        await Assert.ThrowsAsync<GrainAsked>(() => reads.StatusMessageAsync(Unknown).AsTask());
        await Assert.ThrowsAsync<GrainAsked>(() => reads.StatusWithMessageAsync(Unknown));

        Assert.Equal(2, asked.Count);
    }

    [Fact]
    public async Task Status_AndStatusAsOf_OfAnOperatorWithNoRecord()
    {
        var (reads, asked) = Reads(complete: true, withRecord: []);
        var past = Now.AddYears(-3);

        var (status, message) = await reads.StatusWithMessageAsync(Unknown);
        var then = await reads.StatusMessageAsync(Known, past);

        Assert.Empty(asked);
        Assert.Equal((Unknown, Grade.A, 0L, Now), (status.Assessment.OperatorId, status.Assessment.Grade, status.Version, status.Assessment.AsOf));
        Assert.Equal((Unknown, V1.Grade.A, Now), (message.OperatorId, message.Grade, message.AsOf.ToDateTimeOffset()));
        Assert.Equal((Known, V1.Grade.A, past), (then.OperatorId, then.Grade, then.AsOf.ToDateTimeOffset()));
    }

    private (CreditReads Reads, List<string> Asked) Reads(bool complete, string[] withRecord)
    {
        var asked = new List<string>();
        var grains = DispatchProxy.Create<IGrainFactory, RefusingGrainFactory>();
        ((RefusingGrainFactory)(object)grains).Asked = asked;
        var clock = new CreditClock(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Now));
        var reads = new CreditReads(grains, new CurrentStatuses(), new PolicyVersions(Policy), clock, new FixedIndex(complete, withRecord), new NRulesCreditScorer());
        return (reads, asked);
    }

    private sealed class FixedIndex(bool complete, string[] withRecord) : IRecordIndex
    {
        public bool Complete => complete;

        public Task<bool[]> HaveRecordsAsync(IReadOnlyList<string> operatorIds) =>
            Task.FromResult(operatorIds.Select(id => withRecord.Contains(id)).ToArray());
    }

    private sealed class GrainAsked(string operatorId) : Exception($"grain of {operatorId} asked");

    /// <summary>Every GetGrain notes the key and throws: a read that reaches a grain fails the test that did not expect one.</summary>
    public class RefusingGrainFactory : DispatchProxy
    {
        public List<string> Asked { get; set; } = [];

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            var key = args?.Select(a => a switch { string k => k, GrainId g => g.Key.ToString(), _ => null }).FirstOrDefault(k => k is not null) ?? "?";
            Asked.Add(key);
            throw new GrainAsked(key);
        }
    }
}
