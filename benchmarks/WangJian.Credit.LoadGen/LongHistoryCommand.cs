using System.CommandLine;
using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using WangJian.Credit.V1;

namespace WangJian.Credit.LoadGen;

/// <summary>
/// <c>long-history</c>: one operator with <c>--long</c> violations (all but the last <c>--short</c> decided
/// between 2000 and 2020, long outside any window of the policy, the rest in the last year) and one with only
/// those <c>--short</c> recent ones; then records one more decision on each, alternately, one call at a time,
/// and compares the latencies (store write + re-assessment + log commit) and, with <c>--data-dir</c>, the bytes
/// each write added to the embedded store's log.
/// </summary>
public static class LongHistoryCommand
{
    public static Command Create()
    {
        var server = Common.Server();
        var tokens = Common.Tokens();
        var longCount = new Option<int>("--long") { Description = "Violations of the long operator", DefaultValueFactory = _ => 10_000 };
        var shortCount = new Option<int>("--short") { Description = "Violations of the short operator (also the recent part of the long one)", DefaultValueFactory = _ => 10 };
        var samples = new Option<int>("--samples") { Description = "Timed records per operator", DefaultValueFactory = _ => 100 };
        var dataDir = new Option<string?>("--data-dir") { Description = "The server's Storage:DataDir, to measure log bytes per write" };
        var command = new Command("long-history", "Recording on an operator with a long history against one with a short one")
        {
            server, tokens, longCount, shortCount, samples, dataDir,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var s = new Server(parse.GetValue(server)!, parse.GetValue(tokens)!);
            var n = parse.GetValue(longCount);
            var recent = parse.GetValue(shortCount);
            var log = parse.GetValue(dataDir) is { } d ? Path.Combine(d, "garnet") : null;

            // Fresh operators per run, so a rerun on the same data starts from the same histories.
            var slot = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() % 10_000_000) * 2;
            var longOp = Ids.Of(Ids.LongHistory, slot);
            var shortOp = Ids.Of(Ids.LongHistory, slot + 1);
            var regulator = new RegulatorService.RegulatorServiceClient(s.Channel);
            var auth = s.As("regulator");

            var clock = Stopwatch.StartNew();
            using (var call = regulator.ImportViolations(auth, cancellationToken: cancellationToken))
            {
                var old = n - recent;
                var oldFrom = new DateTimeOffset(2000, 1, 2, 0, 0, 0, TimeSpan.Zero);
                var oldSpan = new DateTimeOffset(2020, 12, 31, 0, 0, 0, TimeSpan.Zero) - oldFrom;
                for (var i = 0; i < old; i++)
                {
                    var row = Requests.Ordinary(longOp, "long-old", i);
                    row.DecidedAt = Timestamp.FromDateTimeOffset(oldFrom + TimeSpan.FromTicks(oldSpan.Ticks / Math.Max(1, old) * i));
                    await call.RequestStream.WriteAsync(new ImportViolationsRequest { Violation = row }, cancellationToken);
                }

                for (var i = 0; i < recent; i++)
                {
                    foreach (var op in new[] { longOp, shortOp })
                    {
                        await call.RequestStream.WriteAsync(new ImportViolationsRequest { Violation = Requests.Ordinary(op, "long-recent", i) }, cancellationToken);
                    }
                }

                await call.RequestStream.CompleteAsync();
                var imported = await call;
                Console.WriteLine($"long-history: seeded {longOp} with {n} and {shortOp} with {recent} violations: {Importer.Describe(imported, clock.Elapsed)}");
            }

            var times = new Dictionary<string, List<double>> { [longOp] = [], [shortOp] = [] };
            var bytes = new Dictionary<string, long> { [longOp] = 0, [shortOp] = 0 };
            var warmup = 20;
            for (var i = 0; i < warmup + parse.GetValue(samples); i++)
            {
                foreach (var op in new[] { shortOp, longOp })
                {
                    var before = log is null ? 0 : LogBytes(log);
                    var t = Stopwatch.GetTimestamp();
                    await regulator.RecordViolationAsync(Requests.Ordinary(op, "long-next", i), auth, cancellationToken: cancellationToken);
                    var ms = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                    if (i >= warmup)
                    {
                        times[op].Add(ms);
                        bytes[op] += log is null ? 0 : LogBytes(log) - before;
                    }
                }
            }

            times[longOp].Sort();
            times[shortOp].Sort();
            string Line(string name, string op) =>
                $"{name}: {Stats.Summary(times[op])} mean={Stats.F(times[op].Average(), "F2")}ms" +
                (log is null ? string.Empty : $", {Stats.F(bytes[op] / (double)times[op].Count / 1024, "F1")} KiB of log per write");
            var ratio = Stats.Percentile(times[longOp], 50) / Stats.Percentile(times[shortOp], 50);
            Console.WriteLine($"long-history: RecordViolation on {recent} violations   {Line("short", shortOp)}");
            Console.WriteLine($"long-history: RecordViolation on {n} violations {Line("long", longOp)}");
            Console.WriteLine($"long-history: long / short p50 = {Stats.F(ratio, "F2")}×, mean = {Stats.F(times[longOp].Average() / times[shortOp].Average(), "F2")}×");
            return 0;
        });
        return command;
    }

    private static long LogBytes(string dir) =>
        new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
}
