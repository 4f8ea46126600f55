using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.LoadGen;

/// <summary>
/// <c>policy</c>, on a server loaded by <c>scale --phase load</c>: the time of one SimulatePolicy over every
/// operator with a record; then GetCreditStatus throughput for <c>--read-seconds</c> without a rollout and
/// again while the candidate's rollout runs, and the rollout's rate over that window. The candidate makes
/// the scale set's old decisions count again (half weight until 60 months) and raises grade A to 99, so
/// most operators change: the rollout's worst case.
/// </summary>
public static class PolicyCommand
{
    public static Command Create()
    {
        var server = Common.Server();
        var tokens = Common.Tokens();
        var operators = new Option<long>("--operators") { Description = "Operators loaded by scale --phase load (reads pick among them)", DefaultValueFactory = _ => 1_000_000 };
        var policyFile = new Option<string>("--policy") { Description = "The shipped policy document the candidate is made from", Required = true };
        var readSeconds = new Option<int>("--read-seconds") { Description = "Seconds of each read measurement", DefaultValueFactory = _ => 15 };
        var concurrency = Common.Concurrency(64);
        var command = new Command("policy", "SimulatePolicy over the scale set; reads with and without a rollout; rollout rate")
        {
            server, tokens, operators, policyFile, readSeconds, concurrency,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var s = new Server(parse.GetValue(server)!, parse.GetValue(tokens)!);
            var n = parse.GetValue(operators);
            var seconds = parse.GetValue(readSeconds);
            var inFlight = parse.GetValue(concurrency);
            var policies = new PolicyService.PolicyServiceClient(s.Channel);
            var admin = s.As("admin");
            var document = Candidate(File.ReadAllText(parse.GetValue(policyFile)!), $"bench.{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}");

            var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            var clock = Stopwatch.StartNew();
            SimulationReport? report = null;
            using (var call = policies.SimulatePolicy(new SimulatePolicyRequest { Document = document }, admin, cancellationToken: cancellationToken))
            {
                await foreach (var m in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    report = m.Report ?? report;
                }
            }

            var wall = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"policy: SimulatePolicy over {report!.OperatorsAssessed} operators: {Stats.F(wall, "F1")} s wall ({Stats.F(report.ElapsedMs / 1000.0, "F1")} s in the server), {report.OperatorsChanged} would change grade or listing, {report.CheckReplay.ChecksReplayed} checks replayed; load average at start {load}, at end {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");

            var quiet = await ReadsAsync(s, n, seconds, inFlight, cancellationToken);
            Console.WriteLine($"policy: GetCreditStatus without a rollout: {Stats.F(quiet)} req/s ({inFlight} in flight, {seconds} s)");

            var effective = DateTimeOffset.UtcNow.AddSeconds(3);
            var published = await policies.PublishPolicyAsync(new PublishPolicyRequest { Document = document, EffectiveFrom = Timestamp.FromDateTimeOffset(effective) }, admin, cancellationToken: cancellationToken);
            if (published.Approval is { } approval)
            {
                await new RegulatorService.RegulatorServiceClient(s.Channel).DecideApprovalAsync(
                    new DecideApprovalRequest { ApprovalId = approval.ApprovalId, Decision = ApprovalDecision.Approve, Reason = "benchmark" }, s.As("admin-2"), cancellationToken: cancellationToken);
            }

            var version = JsonNode.Parse(document)!["version"]!.GetValue<string>();
            PublishedPolicy Get() => policies.GetPolicy(new GetPolicyRequest { Version = version }, admin).Policy;
            while (Get().Rollout.State != RolloutState.Running)
            {
                await Task.Delay(200, cancellationToken);
            }

            var before = Get().Rollout.OperatorsAssessed;
            clock.Restart();
            var during = await ReadsAsync(s, n, seconds, inFlight, cancellationToken);
            var after = Get().Rollout;
            var rate = (after.OperatorsAssessed - before) / clock.Elapsed.TotalSeconds;
            Console.WriteLine($"policy: GetCreditStatus during the rollout: {Stats.F(during)} req/s, {Stats.F(during / quiet, "F2")} of without; rollout {Stats.F(rate)} operators/s while serving those reads ({after.OperatorsAssessed} of {after.OperatorsTotal} done, {after.OperatorsChanged} changed)");

            // The rollout alone, for its own rate.
            var start = Get().Rollout.OperatorsAssessed;
            clock.Restart();
            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
            var alone = Get().Rollout;
            Console.WriteLine($"policy: rollout alone: {Stats.F((alone.OperatorsAssessed - start) / clock.Elapsed.TotalSeconds)} operators/s ({alone.OperatorsAssessed} of {alone.OperatorsTotal} done; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
            return 0;
        });
        return command;
    }

    /// <summary>The shipped document with old decisions counting again and a stricter grade A.</summary>
    private static string Candidate(string shipped, string version)
    {
        var doc = JsonNode.Parse(shipped, documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!.AsObject();
        doc["version"] = version;
        doc["age"]!["halfWeightUntilMonths"] = 60;
        doc["grades"]!["a"] = 99;
        return doc.ToJsonString();
    }

    private static async Task<double> ReadsAsync(Server s, long operators, int seconds, int inFlight, CancellationToken cancellationToken)
    {
        var credit = new CreditService.CreditServiceClient(s.Channel);
        var platform = s.As("platform");
        long done = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(TimeSpan.FromSeconds(seconds));
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, inFlight).Select(async w =>
        {
            var random = new Random(w);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = Ids.Of(Ids.Scale, random.NextInt64(operators)) }, platform, cancellationToken: stop.Token);
                    Interlocked.Increment(ref done);
                }
                catch (RpcException) when (stop.IsCancellationRequested)
                {
                }
            }
        }).ToArray();
        await Task.WhenAll(workers);
        return done / clock.Elapsed.TotalSeconds;
    }
}
