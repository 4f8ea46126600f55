using System.CommandLine;
using System.Diagnostics;
using WangJian.Credit.V1;

namespace WangJian.Credit.LoadGen;

/// <summary>
/// <c>scale --phase load</c>: import <c>--operators</c> operators with <c>--rows-per-operator</c> violations
/// each and report the server's resident memory. <c>scale --phase cold</c>, after a restart of the server
/// on the same data: the first call, then one call to each of <c>--samples</c> other cold operators one
/// after the other (an activation each: state read from the store, one assessment), then activates
/// <c>--activate</c> operators with BatchGetCreditStatus and reports resident memory per activation.
/// </summary>
public static class ScaleCommand
{
    public static Command Create()
    {
        var server = Common.Server();
        var tokens = Common.Tokens();
        var pid = Common.ServerPid();
        var phase = new Option<string>("--phase") { Description = "load | cold", Required = true };
        phase.AcceptOnlyFromAmong("load", "cold");
        var operators = new Option<long>("--operators") { Description = "Operators (load), or operators loaded before (cold)", DefaultValueFactory = _ => 1_000_000 };
        var perOperator = new Option<int>("--rows-per-operator") { Description = "Violations per operator (load)", DefaultValueFactory = _ => 1 };
        var samples = new Option<int>("--samples") { Description = "Cold operators timed one by one (cold)", DefaultValueFactory = _ => 200 };
        var activate = new Option<long?>("--activate") { Description = "Operators to activate for the memory per activation (cold; default all)" };
        var concurrency = Common.Concurrency(4);
        var command = new Command("scale", "Many operators: load, then memory and cold-operator latency after a restart")
        {
            server, tokens, pid, phase, operators, perOperator, samples, activate, concurrency,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var s = new Server(parse.GetValue(server)!, parse.GetValue(tokens)!);
            var serverPid = parse.GetValue(pid);
            string Rss() => serverPid is { } p ? Stats.Mib(Stats.Rss(p)) : "?";
            var n = parse.GetValue(operators);
            if (parse.GetValue(phase) == "load")
            {
                Console.WriteLine($"scale: server RSS before loading: {Rss()}");
                var rows = n * parse.GetValue(perOperator);
                // Decisions 3.5 to 4.3 years old: the bulk of a real population, whose records no longer
                // change its score, so no reminder is due (see benchmarks/README.md on the reminder table).
                var (response, elapsed) = await Importer.RunAsync(
                    s, Ids.Scale, rows, n, "scale", cancellationToken, i => Console.WriteLine($"scale: {i} rows sent, server RSS {Rss()}"), ageDays: 1280);
                Console.WriteLine($"scale: loaded {n} operators: {Importer.Describe(response, elapsed)}");
                Console.WriteLine($"scale: server RSS after loading (the last {n} operators active): {Rss()}");
                return response.Rejected == 0 ? 0 : 1;
            }

            var credit = new CreditService.CreditServiceClient(s.Channel);
            var platform = s.As("platform");
            var rssStart = serverPid is { } p0 ? Stats.Rss(p0) : 0;
            Console.WriteLine($"scale: server RSS after restart, before any call: {Rss()}");
            var clock = Stopwatch.StartNew();
            await credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = Ids.Of(Ids.Scale, 0) }, platform, cancellationToken: cancellationToken);
            Console.WriteLine($"scale: first call after restart (connection, JIT, cold operator): {Stats.F(clock.Elapsed.TotalMilliseconds, "F1")} ms");

            var count = parse.GetValue(samples);
            var picks = Enumerable.Range(1, count).Select(i => Math.Max(1, (long)((double)i * (n - 1) / count))).Distinct().ToArray();
            var cold = new List<double>();
            var warm = new List<double>();
            foreach (var list in new[] { cold, warm })
            {
                foreach (var i in picks)
                {
                    var started = clock.Elapsed;
                    await credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = Ids.Of(Ids.Scale, i) }, platform, cancellationToken: cancellationToken);
                    list.Add((clock.Elapsed - started).TotalMilliseconds);
                }
            }

            Console.WriteLine($"scale: cold operator (first call to it after restart, {picks.Length} operators one by one): {Stats.Summary(cold)}");
            Console.WriteLine($"scale: the same operators again (active): {Stats.Summary(warm)}");

            var toActivate = Math.Min(parse.GetValue(activate) ?? n, n);
            var rssBefore = serverPid is { } p1 ? Stats.Rss(p1) : 0;
            clock.Restart();
            var batches = Enumerable.Range(0, (int)((toActivate + 999) / 1000)).ToArray();
            await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = parse.GetValue(concurrency), CancellationToken = cancellationToken }, async (b, ct) =>
            {
                var request = new BatchGetCreditStatusRequest();
                for (var i = b * 1000L; i < Math.Min((b + 1) * 1000L, toActivate); i++)
                {
                    request.OperatorIds.Add(Ids.Of(Ids.Scale, i));
                }

                await credit.BatchGetCreditStatusAsync(request, platform, cancellationToken: ct);
            });
            var seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"scale: activated {toActivate} operators in {Stats.F(seconds, "F1")} s ({Stats.F(toActivate / seconds)} activations/s)");
            if (serverPid is { } p2)
            {
                var rssAfter = Stats.Rss(p2);
                Console.WriteLine($"scale: server RSS with {toActivate} operators active: {Stats.Mib(rssAfter)} (+{Stats.Mib(rssAfter - rssBefore)} for the activations: " +
                    $"{Stats.F((double)(rssAfter - rssBefore) / toActivate)} bytes per active operator grain; {Stats.Mib(rssStart)} right after restart)");
            }

            return 0;
        });
        return command;
    }
}
