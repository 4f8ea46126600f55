using System.CommandLine;
using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.LoadGen;

/// <summary>
/// <c>seed</c>: through the real API, a listed operator and <c>--histories</c> operators with two small
/// violations each (the targets of GetCreditStatus and BatchGetCreditStatus). The clean operator is
/// simply never written. Reruns are harmless: a decision already recorded is a duplicate.
/// </summary>
public static class SeedCommand
{
    public static Command Create()
    {
        var server = Common.Server();
        var tokens = Common.Tokens();
        var histories = new Option<int>("--histories") { Description = "Operators with a history", DefaultValueFactory = _ => 1000 };
        var concurrency = Common.Concurrency(32);
        var command = new Command("seed", "Create the operators the read benchmarks ask for") { server, tokens, histories, concurrency };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var s = new Server(parse.GetValue(server)!, parse.GetValue(tokens)!);
            var regulator = new RegulatorService.RegulatorServiceClient(s.Channel);
            var headers = s.As("regulator");

            var listed = await regulator.RecordViolationAsync(Requests.Listing(Ids.Listed), headers, cancellationToken: cancellationToken);
            if (!listed.Status.Blacklisted)
            {
                throw new InvalidOperationException($"{Ids.Listed} was expected to be listed: {listed.Status}");
            }

            var n = parse.GetValue(histories);
            await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = parse.GetValue(concurrency), CancellationToken = cancellationToken }, async (i, ct) =>
            {
                var op = Ids.Of(Ids.History, i);
                for (var k = 0; k < 2; k++)
                {
                    // Fixed decision numbers (not per run), so a reseed finds duplicates instead of growing histories.
                    var request = Requests.Ordinary(op, "seed", (i * 2L) + k);
                    request.DecisionNumber = $"杭市监处罚〔seed〕{op}-{k}号";
                    // GENERAL and recent (whole days, so a reseed the same day finds the same content): two deductions.
                    request.Severity = Severity.General;
                    request.DecidedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(DateTimeOffset.UtcNow.Date, TimeSpan.Zero).AddDays(-30 - (30 * k)));
                    await regulator.RecordViolationAsync(request, headers, cancellationToken: ct);
                }
            });

            var agency = new AgencyService.AgencyServiceClient(s.Channel);
            foreach (var (name, op) in new[] { ("clean", Ids.Clean), ("listed", Ids.Listed) })
            {
                var check = await agency.CheckOperatorAsync(new CheckOperatorRequest { OperatorId = op, Matter = "GOV_FUNDING" }, s.As("agency:NDRC"), cancellationToken: cancellationToken);
                Console.WriteLine($"seed: {name} operator {op}: {check.Decision}, grade {check.Status.Grade}, score {check.Status.Score}, listed {check.Status.Blacklisted}");
            }

            var credit = new CreditService.CreditServiceClient(s.Channel);
            var status = await credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = Ids.Of(Ids.History, 0) }, s.As("platform"), cancellationToken: cancellationToken);
            Console.WriteLine($"seed: {n} operators with 2 violations each, e.g. {status.Status.OperatorId}: grade {status.Status.Grade}, score {status.Status.Score}, {status.Status.Deductions.Count} deductions");
            return 0;
        });
        return command;
    }
}
