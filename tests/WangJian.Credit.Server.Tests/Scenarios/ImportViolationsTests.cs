using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using WangJian.Credit.V1;
using Xunit.Abstractions;

namespace WangJian.Credit.Server.Tests.Scenarios;

[Collection(ServerCollection.Name)]
[Trait("Category", "Scenario")]
public sealed class ImportViolationsTests(ServerFixture server, ITestOutputHelper output)
{
    [Fact]
    public async Task ImportViolations_MixedRows_ExactCountsAndRejectedIndexes()
    {
        var a = TestUscc.Fresh();
        var b = TestUscc.Fresh();
        var first = Requests.Violation(a);
        var conflicting = first.Clone();
        conflicting.FineFen += 1;
        var badUscc = Requests.Violation("91330106673959654Q");
        var unknownOffense = Requests.Violation(b, offense: "SELLING_CLOUDS");
        var future = Requests.Violation(b, decidedAt: DateTimeOffset.UtcNow.AddDays(3));

        var response = await Requests.ImportAsync(server.Regulator,
        [
            first,                                       // 0 created
            Requests.Violation(b, "PRICE_FRAUD"),        // 1 created
            first.Clone(),                               // 2 duplicate of 0
            conflicting,                                 // 3 ALREADY_EXISTS
            badUscc,                                     // 4 operator_id
            unknownOffense,                              // 5 offense_code
            future,                                      // 6 decided_at
            null,                                        // 7 no violation
            Requests.Violation(a, "PRICE_MARKING", Severity.Minor), // 8 created
        ]);

        Assert.Equal(9, response.Received);
        Assert.Equal(3, response.Created);
        Assert.Equal(1, response.Duplicate);
        Assert.Equal(5, response.Rejected);
        Assert.False(response.RejectedTruncated);
        Assert.Equal([3L, 4, 5, 6, 7], response.RejectedRows.Select(r => r.Index));
        Assert.Equal(["ALREADY_EXISTS", "INVALID_ARGUMENT", "INVALID_ARGUMENT", "INVALID_ARGUMENT", "INVALID_ARGUMENT"], response.RejectedRows.Select(r => r.Code));
        Assert.Empty(response.RejectedRows[0].Fields);
        Assert.Contains("different content", response.RejectedRows[0].Reason);
        Assert.Equal(["operator_id"], response.RejectedRows[1].Fields);
        Assert.Contains("requires 'P'", response.RejectedRows[1].Reason);
        Assert.Equal(["offense_code"], response.RejectedRows[2].Fields);
        Assert.Equal(["decided_at"], response.RejectedRows[3].Fields);
        Assert.Equal(["violation"], response.RejectedRows[4].Fields);

        var listA = await server.Regulator.ListViolationsAsync(new ListViolationsRequest { OperatorId = a });
        var listB = await server.Regulator.ListViolationsAsync(new ListViolationsRequest { OperatorId = b });
        Assert.Equal(2, listA.TotalSize);
        Assert.Equal(1, listB.TotalSize);
        // The conflicting row changed nothing: the first content is what stands.
        Assert.Equal(first.FineFen, listA.Violations.Single(v => v.DecisionNumber == first.DecisionNumber).FineFen);
        Assert.All(listA.Violations, v => Assert.Equal("dev-regulator", v.RecordedBy));
    }

    [Fact]
    public async Task ImportViolations_RowAlreadyRecordedByRecordViolation_IsDuplicate()
    {
        var request = Requests.Violation(TestUscc.Fresh());
        await server.Regulator.RecordViolationAsync(request);

        var response = await Requests.ImportAsync(server.Regulator, [request]);

        Assert.Equal(1, response.Received);
        Assert.Equal(0, response.Created);
        Assert.Equal(1, response.Duplicate);
        Assert.Equal(0, response.Rejected);
    }

    [Fact]
    public async Task ImportViolations_EmptyStream_AllZero()
    {
        var response = await Requests.ImportAsync(server.Regulator, []);
        Assert.Equal(new ImportViolationsResponse(), response);
    }

    [Fact]
    public async Task ImportViolations_ManyRowsOfOneOperator_AppliedInStreamOrder()
    {
        // One operator's rows are applied one after the other: a repeat is always a duplicate of the row
        // before it, never a race that records both or rejects one.
        var op = TestUscc.Fresh();
        var rows = new List<RecordViolationRequest?>();
        for (var i = 0; i < 150; i++)
        {
            var row = Requests.Violation(op, "PRICE_MARKING", Severity.Minor, decidedAt: DateTimeOffset.UtcNow.AddDays(-1 - i));
            rows.Add(row);
            rows.Add(row.Clone());
        }

        var response = await Requests.ImportAsync(server.Regulator, rows);

        Assert.Equal(300, response.Received);
        Assert.Equal(150, response.Created);
        Assert.Equal(150, response.Duplicate);
        var list = await server.Regulator.ListViolationsAsync(new ListViolationsRequest { OperatorId = op, PageSize = 1000 });
        Assert.Equal(150, list.TotalSize);
        // Recorded in stream order: the history keeps the order of recording.
        Assert.Equal(rows.Where((_, i) => i % 2 == 0).Select(r => r!.DecisionNumber), list.Violations.Select(v => v.DecisionNumber));
    }

    [Fact]
    public async Task ImportViolations_MoreThan10000Rejected_ListsFirst10000AndCountsAll()
    {
        var rows = Enumerable.Range(0, 10_050).Select(_ => (RecordViolationRequest?)null).ToList();

        var response = await Requests.ImportAsync(server.Regulator, rows);

        Assert.Equal(10_050, response.Received);
        Assert.Equal(10_050, response.Rejected);
        Assert.Equal(10_000, response.RejectedRows.Count);
        Assert.True(response.RejectedTruncated);
        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => (long)i), response.RejectedRows.Select(r => r.Index));
    }

    [Fact]
    public async Task ImportViolations_100000RowsOver2000Operators_NothingLostAndCountsExact()
    {
        const int rowCount = 100_000;
        const int operatorCount = 2_000;
        var operators = Enumerable.Range(0, operatorCount).Select(_ => TestUscc.Fresh()).ToArray();
        var offenses = new[] { "PRICE_MARKING", "DISCLOSURE_FAILURE", "ILLEGAL_PROMOTION", "UNFAIR_TERMS", "RETURN_REFUSAL" };
        var now = DateTimeOffset.UtcNow;
        var expected = new int[operatorCount];
        var rows = new List<RecordViolationRequest?>(rowCount);
        var invalid = 0;
        for (var i = 0; i < rowCount; i++)
        {
            var k = i % operatorCount;
            var row = new RecordViolationRequest
            {
                OperatorId = operators[k],
                OffenseCode = offenses[i % offenses.Length],
                Severity = Severity.Minor,
                DecisionNumber = $"导入处罚〔2025〕{i}号",
                AuthorityCode = "330100-SAMR",
                AuthorityName = "杭州市市场监督管理局",
                DecidedAt = Timestamp.FromDateTimeOffset(now.AddHours(-1 - (i % 5000))),
                FineFen = 100_000 + i,
                PenaltyKinds = { PenaltyKind.Fine },
            };
            if (i % 97 == 0)
            {
                // Three kinds of bad row, spread through the stream.
                switch (i / 97 % 3)
                {
                    case 0: row.OffenseCode = "SELLING_CLOUDS"; break;
                    case 1: row.FineFen = -1; break;
                    default: row.DecidedAt = Timestamp.FromDateTimeOffset(now.AddDays(1)); break;
                }

                invalid++;
            }
            else
            {
                expected[k]++;
            }

            rows.Add(row);
        }

        var watch = Stopwatch.StartNew();
        var response = await Requests.ImportAsync(server.Regulator, rows);
        watch.Stop();
        output.WriteLine($"imported {rowCount:N0} rows ({response.Created:N0} created, {response.Rejected:N0} rejected) in {watch.Elapsed.TotalSeconds:F1} s: {rowCount / watch.Elapsed.TotalSeconds:N0} rows/s");

        Assert.Equal(rowCount, response.Received);
        Assert.Equal(rowCount - invalid, response.Created);
        Assert.Equal(0, response.Duplicate);
        Assert.Equal(invalid, response.Rejected);
        Assert.False(response.RejectedTruncated);
        Assert.Equal(Enumerable.Range(0, rowCount).Where(i => i % 97 == 0).Select(i => (long)i), response.RejectedRows.Select(r => r.Index));

        // Every operator holds exactly its rows: the sum is what was reported created, and nothing is lost.
        var totals = new int[operatorCount];
        await Parallel.ForEachAsync(Enumerable.Range(0, operatorCount), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (k, ct) =>
        {
            var list = await server.Regulator.ListViolationsAsync(new ListViolationsRequest { OperatorId = operators[k], PageSize = 1 }, cancellationToken: ct);
            totals[k] = list.TotalSize;
        });
        Assert.Equal(expected, totals);
        Assert.Equal(response.Created, totals.Sum());
    }
}
