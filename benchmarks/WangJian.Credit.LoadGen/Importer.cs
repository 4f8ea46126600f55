using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using WangJian.Credit.V1;

namespace WangJian.Credit.LoadGen;

/// <summary>One ImportViolations stream of <paramref name="rows"/> new rows, round-robin over operators of a range.</summary>
public static class Importer
{
    public static async Task<(ImportViolationsResponse Response, TimeSpan Elapsed)> RunAsync(
        Server server, int range, long rows, long operators, string workload, CancellationToken cancellationToken, Action<long>? progress = null, int ageDays = 0)
    {
        var client = new RegulatorService.RegulatorServiceClient(server.Channel);
        var clock = Stopwatch.StartNew();
        using var call = client.ImportViolations(server.As("regulator"), cancellationToken: cancellationToken);
        for (long i = 0; i < rows; i++)
        {
            var row = Requests.Ordinary(Ids.Of(range, i % operators), workload, i);
            if (ageDays > 0)
            {
                row.DecidedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-ageDays - (i % 300)));
            }

            await call.RequestStream.WriteAsync(new ImportViolationsRequest { Violation = row }, cancellationToken);
            if (progress is not null && i > 0 && i % 100_000 == 0)
            {
                progress(i);
            }
        }

        await call.RequestStream.CompleteAsync();
        var response = await call;
        return (response, clock.Elapsed);
    }

    public static string Describe(ImportViolationsResponse r, TimeSpan elapsed) =>
        $"{r.Received} rows in {Stats.F(elapsed.TotalSeconds, "F1")} s: {Stats.F(r.Received / elapsed.TotalSeconds)} rows/s " +
        $"(created {r.Created}, duplicate {r.Duplicate}, rejected {r.Rejected}{(r.RejectedRows.Count > 0 ? ": " + r.RejectedRows[0].Reason : string.Empty)})";
}
