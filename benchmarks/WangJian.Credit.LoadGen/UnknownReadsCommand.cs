using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using WangJian.Credit.V1;

namespace WangJian.Credit.LoadGen;

/// <summary>
/// <c>unknown-reads</c>: reads <c>--operators</c> distinct operators that were never recorded with
/// BatchGetCreditStatus of <c>--batch</c>, then reports the server's resident memory and, from its
/// Prometheus endpoint, its GC heap and its Orleans activation count every second until it is back at the
/// count before the reads (or <c>--wait</c> seconds passed), for <c>--rounds</c> rounds. <c>--warmup</c> other never-seen operators are read first.
/// </summary>
public static class UnknownReadsCommand
{
    public static Command Create()
    {
        var server = Common.Server();
        var tokens = Common.Tokens();
        var pid = Common.ServerPid();
        var operators = new Option<int>("--operators") { Description = "Distinct never-seen operators", DefaultValueFactory = _ => 100_000 };
        var batch = new Option<int>("--batch") { Description = "Operators per BatchGetCreditStatus", DefaultValueFactory = _ => 1000 };
        var metrics = new Option<string>("--metrics-url") { Description = "The server's Prometheus endpoint (Observability:MetricsUrl)", Required = true };
        var warmup = new Option<int>("--warmup") { Description = "Other never-seen operators read first (0: none)", DefaultValueFactory = _ => 100_000 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds of --operators fresh operators each", DefaultValueFactory = _ => 3 };
        var wait = new Option<int>("--wait") { Description = "Seconds to wait for the activation count to return", DefaultValueFactory = _ => 60 };
        var concurrency = Common.Concurrency(4);
        var command = new Command("unknown-reads", "Reads of never-seen operators: memory and activations")
        {
            server, tokens, pid, operators, batch, metrics, warmup, rounds, wait, concurrency,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var s = new Server(parse.GetValue(server)!, parse.GetValue(tokens)!);
            using var http = new HttpClient();
            var metricsUrl = parse.GetValue(metrics)!;
            var serverPid = parse.GetValue(pid);
            long Rss() => serverPid is { } p ? Stats.Rss(p) : 0;
            async Task<long> ActivationsAsync() => (long)Sum(await http.GetStringAsync(metricsUrl, cancellationToken), "orleans_catalog_activations");
            async Task<long> HeapAsync() => (long)Sum(await http.GetStringAsync(metricsUrl, cancellationToken), "dotnet_gc_last_collection_heap_size_bytes");

            var credit = new CreditService.CreditServiceClient(s.Channel);
            var platform = s.As("platform");
            var n = parse.GetValue(operators);
            var size = parse.GetValue(batch);
            var slot = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() % 100) * 900_000;

            var rssStart = Rss();
            var activationsStart = await ActivationsAsync();
            var warm = parse.GetValue(warmup);
            if (warm > 0)
            {
                // Other never-seen operators first: a fresh process's GC grows its heap to its working size
                // under any load, which is not memory kept for the operators read.
                var warmTime = await ReadAllAsync(credit, platform, slot + (parse.GetValue(rounds) * (long)n), warm, size, parse.GetValue(concurrency), null, cancellationToken);
                await Task.Delay(2000, cancellationToken);
                Console.WriteLine($"unknown-reads: fresh server: RSS {Stats.Mib(rssStart)}, {activationsStart} activations; warm-up read of {warm} other never-seen operators in {Stats.F(warmTime.TotalSeconds, "F1")} s: RSS {Stats.Mib(Rss())}, {await ActivationsAsync()} activations");
            }

            var baseline = await ActivationsAsync();
            var rss0 = Rss();
            Console.WriteLine($"unknown-reads: before: RSS {Stats.Mib(rss0)}, GC heap {Stats.Mib(await HeapAsync())}, {baseline} activations");

            // Several rounds of fresh operators: memory kept per operator would add up round after round.
            var after = baseline;
            for (var round = 0; round < parse.GetValue(rounds); round++)
            {
                var peak = 0L;
                var elapsed = await ReadAllAsync(credit, platform, slot + (round * (long)n), n, size, parse.GetValue(concurrency), () =>
                {
                    var rss = Rss();
                    if (rss > Interlocked.Read(ref peak))
                    {
                        Interlocked.Exchange(ref peak, rss);
                    }
                }, cancellationToken);
                var rss1 = Rss();
                after = await ActivationsAsync();
                var settle = Stopwatch.StartNew();
                while (after > baseline && settle.Elapsed.TotalSeconds < parse.GetValue(wait))
                {
                    await Task.Delay(1000, cancellationToken);
                    after = await ActivationsAsync();
                }

                Console.WriteLine(
                    $"unknown-reads: round {round + 1}: {n} never-seen operators in {Stats.F(elapsed.TotalSeconds, "F1")} s ({Stats.F(n / elapsed.TotalSeconds)}/s); " +
                    $"RSS {Stats.Mib(rss1)} ({Signed(rss1 - rss0)} over the start, peak {Stats.Mib(peak)}), GC heap {Stats.Mib(await HeapAsync())}; " +
                    $"{after} activations (baseline {baseline}) {Stats.F(settle.Elapsed.TotalSeconds, "F0")} s after the reads");
            }

            return after <= baseline ? 0 : 1;
        });
        return command;
    }

    private static string Signed(long bytes) => (bytes >= 0 ? "+" : "−") + Stats.Mib(Math.Abs(bytes));

    private static async Task<TimeSpan> ReadAllAsync(
        CreditService.CreditServiceClient credit, Grpc.Core.Metadata platform, long from, int n, int size, int concurrency, Action? afterEach, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var next = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, concurrency), cancellationToken, async (_, ct) =>
        {
            while (true)
            {
                var first = Interlocked.Add(ref next, size) - size;
                if (first >= n)
                {
                    return;
                }

                var response = await credit.BatchGetCreditStatusAsync(Batch(from + first, Math.Min(size, n - first)), platform, cancellationToken: ct);
                if (response.Statuses.Any(st => st.Grade != Grade.A || st.Score != 100))
                {
                    throw new InvalidOperationException("an operator with no record was not A / 100");
                }

                afterEach?.Invoke();
            }
        });
        return clock.Elapsed;
    }

    private static BatchGetCreditStatusRequest Batch(long first, int size)
    {
        var request = new BatchGetCreditStatusRequest();
        for (var i = 0; i < size; i++)
        {
            request.OperatorIds.Add(Ids.Of(Ids.Unknown, first + i));
        }

        return request;
    }

    /// <summary>The sum of a metric over its series, from a Prometheus text page.</summary>
    private static double Sum(string page, string metric)
    {
        var sum = 0.0;
        foreach (var line in page.Split('\n'))
        {
            if (line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
            {
                sum += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }
}
