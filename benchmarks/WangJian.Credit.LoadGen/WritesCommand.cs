using System.CommandLine;
using System.Diagnostics;
using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.LoadGen;

/// <summary>
/// <c>writes</c>: RecordViolation, each a new decision, spread round-robin over <c>--operators</c> operators,
/// <c>--concurrency</c> calls in flight, for <c>--duration</c> seconds after <c>--warmup</c>. Counts only
/// acknowledged writes (status OK and created).
/// </summary>
public static class WritesCommand
{
    public static Command Create()
    {
        var server = Common.Server();
        var tokens = Common.Tokens();
        var concurrency = Common.Concurrency(64);
        var operators = new Option<int>("--operators") { Description = "Operators the writes are spread over", DefaultValueFactory = _ => 10_000 };
        var duration = new Option<double>("--duration") { Description = "Measured seconds", DefaultValueFactory = _ => 20 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of writes before measuring", DefaultValueFactory = _ => 3 };
        var total = new Option<long>("--total") { Description = "Stop after this many calls instead of after --duration (0: by duration)" };
        var command = new Command("writes", "RecordViolation throughput over many operators") { server, tokens, concurrency, operators, duration, warmup, total };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var s = new Server(parse.GetValue(server)!, parse.GetValue(tokens)!);
            var client = new RegulatorService.RegulatorServiceClient(s.Channel);
            var headers = s.As("regulator");
            var ops = parse.GetValue(operators);
            var warm = TimeSpan.FromSeconds(parse.GetValue(warmup));
            var calls = parse.GetValue(total);
            var end = calls > 0 ? TimeSpan.MaxValue : warm + TimeSpan.FromSeconds(parse.GetValue(duration));
            long next = -1;
            long acknowledged = 0;
            long failed = 0;
            var latencies = new List<double>();
            var clock = Stopwatch.StartNew();
            var errors = new System.Collections.Concurrent.ConcurrentDictionary<StatusCode, int>();

            var workers = Enumerable.Range(0, parse.GetValue(concurrency)).Select(async _ =>
            {
                var mine = new List<double>();
                while (clock.Elapsed < end)
                {
                    var n = Interlocked.Increment(ref next);
                    if (calls > 0 && n >= calls)
                    {
                        break;
                    }

                    var request = Requests.Ordinary(Ids.Of(Ids.Writes, n % ops), "writes", n);
                    var started = clock.Elapsed;
                    try
                    {
                        var response = await client.RecordViolationAsync(request, headers, cancellationToken: cancellationToken);
                        if (started >= warm && response.Created)
                        {
                            Interlocked.Increment(ref acknowledged);
                            mine.Add((clock.Elapsed - started).TotalMilliseconds);
                        }
                    }
                    catch (RpcException e)
                    {
                        Interlocked.Increment(ref failed);
                        errors.AddOrUpdate(e.StatusCode, 1, (_, c) => c + 1);
                    }
                }

                lock (latencies)
                {
                    latencies.AddRange(mine);
                }
            }).ToArray();

            await Task.WhenAll(workers);
            // Writes started before the end and finished after it count (they were acknowledged); the
            // window is stretched to the last of them, so the rate stays honest.
            var seconds = (clock.Elapsed - warm).TotalSeconds;
            Console.WriteLine($"writes: {acknowledged} acknowledged in {Stats.F(seconds, "F1")} s over {ops} operators, concurrency {parse.GetValue(concurrency)}: " +
                $"{Stats.F(acknowledged / seconds)} writes/s, {Stats.Summary(latencies)}, failed {failed} {string.Join(' ', errors.Select(e => $"{e.Key}={e.Value}"))}");
            return failed == 0 ? 0 : 1;
        });
        return command;
    }
}
