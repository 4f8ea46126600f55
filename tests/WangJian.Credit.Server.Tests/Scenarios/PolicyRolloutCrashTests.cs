using Grpc.Core;
using WangJian.Credit.Testing;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// A rollout killed with SIGKILL half way resumes after a restart where its durable cursor stopped: every
/// operator is assessed once, and no change is announced twice. The publication goes through the default
/// four-eyes approval: one admin proposes, a second approves.
/// </summary>
[Trait("Category", "Scenario")]
public sealed class PolicyRolloutCrashTests : IAsyncLifetime
{
    private const int Operators = 150;
    private const string NewVersion = "2026.crash";
    private readonly TempDir dataDir = new("policy-crash");

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        dataDir.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Rollout_KilledMidway_ResumesAfterRestart_EveryOperatorOnceNoChangeTwice()
    {
        var ops = Enumerable.Range(0, Operators).Select(_ => TestUscc.Fresh()).ToArray();
        var recent = DateTimeOffset.UtcNow.AddDays(-30);
        await using (var server = await ServerProcess.StartAsync(dataDir.Path, "--Policy:RolloutRatePerSecond", "25", "--Policy:RolloutConcurrency", "2"))
        {
            var regulator = new RegulatorService.RegulatorServiceClient(server.As("regulator"));
            var import = await Requests.ImportAsync(regulator, ops.Select(op => Requests.Violation(op, "FALSE_PROMOTION", Severity.General, recent)));
            Assert.Equal(Operators, import.Created);

            var admin = new PolicyService.PolicyServiceClient(server.As("admin"));
            var document = PolicyDocuments.Edited(NewVersion, d => PolicyDocuments.DoublePoints(d, "FALSE_PROMOTION"));
            var proposed = await admin.PublishPolicyAsync(new PublishPolicyRequest { Document = document, EffectiveFrom = PolicyDocuments.In(TimeSpan.FromSeconds(4)) });
            Assert.Null(proposed.Policy);
            Assert.Equal((ApprovalAction.PublishPolicy, NewVersion), (proposed.Approval.Action, proposed.Approval.PolicyVersion));
            var listed = await admin.ListPoliciesAsync(new ListPoliciesRequest());
            Assert.DoesNotContain(listed.Policies, p => p.Version == NewVersion);

            // The proposer cannot approve; a regulator cannot either; the second admin does.
            var self = await Assert.ThrowsAsync<RpcException>(() => new RegulatorService.RegulatorServiceClient(server.As("admin"))
                .DecideApprovalAsync(new DecideApprovalRequest { ApprovalId = proposed.Approval.ApprovalId, Decision = ApprovalDecision.Approve, Reason = "mine" }).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, self.StatusCode);
            var byRegulator = await Assert.ThrowsAsync<RpcException>(() => regulator
                .DecideApprovalAsync(new DecideApprovalRequest { ApprovalId = proposed.Approval.ApprovalId, Decision = ApprovalDecision.Approve, Reason = "not mine to decide" }).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, byRegulator.StatusCode);
            var approved = await new RegulatorService.RegulatorServiceClient(server.As("admin-2"))
                .DecideApprovalAsync(new DecideApprovalRequest { ApprovalId = proposed.Approval.ApprovalId, Decision = ApprovalDecision.Approve, Reason = "simulation reviewed" });
            Assert.Equal(ApprovalState.Approved, approved.Approval.State);

            // Killed once the rollout is under way but far from done (25 operators a second).
            var running = await WaitAsync(admin, p => p.Rollout.State == RolloutState.Running && p.Rollout.OperatorsAssessed >= 25);
            Assert.True(running.Rollout.OperatorsAssessed < Operators, $"the rollout finished before the kill ({running.Rollout.OperatorsAssessed})");
            await server.KillHardAsync();
        }

        await using (var restarted = await ServerProcess.StartAsync(dataDir.Path))
        {
            var admin = new PolicyService.PolicyServiceClient(restarted.As("admin"));
            var done = await WaitAsync(admin, p => p.Rollout.State == RolloutState.Done);
            Assert.Equal(RolloutState.Done, done.Rollout.State);
            Assert.Equal(Operators, done.Rollout.OperatorsAssessed);
            Assert.Equal(Operators, done.Rollout.OperatorsChanged);
            Assert.Equal(Operators, done.Rollout.OperatorsTotal);

            var regulator = new RegulatorService.RegulatorServiceClient(restarted.As("regulator"));
            var marker = TestUscc.Fresh();
            await regulator.RecordViolationAsync(Requests.Violation(marker, "FALSE_PROMOTION", Severity.General, recent));
            var feed = await ChangeFeedTests.ReadUntil(new CreditService.CreditServiceClient(restarted.As("platform")), new WatchCreditChangesRequest { FromBeginning = true }, c => c.OperatorId == marker);
            var policy = feed.Where(c => c.Cause == ChangeCause.Policy).ToArray();
            Assert.Equal(ops.Order(), policy.Select(c => c.OperatorId).Order());
            Assert.All(policy, c => Assert.Equal((Grade.A, Grade.B), (c.PreviousGrade, c.Grade)));
            Assert.Equal(policy.Length, policy.Select(c => c.Cursor).Distinct().Count());

            var status = await new CreditService.CreditServiceClient(restarted.As("platform")).GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = ops[^1] });
            Assert.Equal((NewVersion, Grade.B), (status.Status.PolicyVersion, status.Status.Grade));
        }
    }

    private static async Task<PublishedPolicy> WaitAsync(PolicyService.PolicyServiceClient admin, Func<PublishedPolicy, bool> until)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(120);
        while (true)
        {
            var list = await admin.ListPoliciesAsync(new ListPoliciesRequest());
            var p = list.Policies.FirstOrDefault(x => x.Version == NewVersion);
            if ((p is not null && until(p)) || DateTimeOffset.UtcNow > deadline)
            {
                return p ?? throw new InvalidOperationException($"{NewVersion} was never published");
            }

            await Task.Delay(100);
        }
    }
}
