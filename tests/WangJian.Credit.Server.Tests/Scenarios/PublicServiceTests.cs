using System.Net;
using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>The public record: publicity periods of SAMR Order No. 45, no token.</summary>
[Trait("Category", "Scenario")]
public sealed class PublicServiceTests(OperatorFixture server) : IClassFixture<OperatorFixture>
{
    [Fact]
    public async Task PublicRecord_ShowsOnlyDecisionsInsideTheirPublicityPeriod_WithNoToken()
    {
        var op = server.Operators["op-f"];
        var now = server.Clock.GetUtcNow();
        await RecordAsync(op, "warning-2m", now.AddMonths(-2), Severity.Minor, [PenaltyKind.Warning], 0);
        await RecordAsync(op, "warning-4m", now.AddMonths(-4), Severity.Minor, [PenaltyKind.Warning], 0);
        await RecordAsync(op, "fine-24m", now.AddMonths(-24), Severity.General, [PenaltyKind.Fine], 20_000_000);
        await RecordAsync(op, "fine-37m", now.AddMonths(-37), Severity.General, [PenaltyKind.Fine], 20_000_000);
        // A low fine (≤ ¥30,000) is published for 3 months only.
        await RecordAsync(op, "lowfine-4m", now.AddMonths(-4), Severity.General, [PenaltyKind.Fine], 3_000_000);
        var repaired = await RecordAsync(op, "repaired-7m", now.AddMonths(-7), Severity.General, [PenaltyKind.Fine], 20_000_000);
        var revoked = await RecordAsync(op, "revoked-1m", now.AddMonths(-1), Severity.General, [PenaltyKind.Fine], 20_000_000);
        await server.Regulator().DecideRepairAsync(new DecideRepairRequest { OperatorId = op, ViolationId = repaired.ViolationId, Reason = "已修复" });
        await server.Regulator().RevokeViolationAsync(new RevokeViolationRequest { OperatorId = op, ViolationId = revoked.ViolationId, Reason = "撤销" });

        var record = await server.Public.GetPublicRecordAsync(new GetPublicRecordRequest { OperatorId = op });

        var shown = record.Penalties.Select(p => p.DecisionNumber.Split('|')[1]).ToArray();
        Assert.Equal(["warning-2m", "fine-24m"], shown);
        var fine = record.Penalties.Single(p => p.DecisionNumber.EndsWith("fine-24m", StringComparison.Ordinal));
        Assert.Equal(fine.DecidedAt.ToDateTimeOffset().AddMonths(36), fine.PublicityEndsAt.ToDateTimeOffset());
        Assert.Equal("不明码标价", fine.OffenseName);
        Assert.Null(record.Listing);

        // REST, no token either.
        using var http = new HttpClient();
        var rest = await http.GetAsync($"{server.HttpAddress}/v1/public/operators/{op}");
        Assert.Equal(HttpStatusCode.OK, rest.StatusCode);
        var body = await rest.Content.ReadAsStringAsync();
        Assert.Contains("warning-2m", body);
        Assert.DoesNotContain("recordedBy", body);
    }

    [Fact]
    public async Task PublicBlacklist_ListsTheListed_AndTheRecordShowsTheDecisionsBehindTheListing()
    {
        var op = TestUscc.Fresh();
        await server.Regulator().RecordViolationAsync(Requests.Violation(op, decidedAt: server.Clock.GetUtcNow().AddMonths(-1), heavier: true, decisionNumber: "杭市监处罚〔2026〕9001号"));

        var found = false;
        var token = string.Empty;
        do
        {
            var page = await server.Public.ListPublicBlacklistAsync(new ListPublicBlacklistRequest { PageSize = 50, PageToken = token });
            found |= page.Entries.Any(e => e.OperatorId == op);
            token = page.NextPageToken;
        }
        while (!found && token.Length > 0);

        Assert.True(found);
        var record = await server.Public.GetPublicRecordAsync(new GetPublicRecordRequest { OperatorId = op });
        Assert.Equal("杭市监处罚〔2026〕9001号", Assert.Single(record.Listing.Decisions).DecisionNumber);
        var bad = await Assert.ThrowsAsync<RpcException>(() => server.Public.GetPublicRecordAsync(new GetPublicRecordRequest { OperatorId = "91330100MA2XXXXXX1" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
    }

    private async Task<Violation> RecordAsync(string op, string tag, DateTimeOffset decidedAt, Severity severity, PenaltyKind[] kinds, long fineFen)
    {
        var request = Requests.Violation(op, offense: "PRICE_MARKING", severity: severity, decidedAt: decidedAt, decisionNumber: $"杭市监处罚〔{Guid.NewGuid():N}〕|{tag}");
        request.PenaltyKinds.Clear();
        request.PenaltyKinds.AddRange(kinds);
        request.FineFen = fineFen;
        request.IllegalGainsFen = 0;
        return (await server.Regulator().RecordViolationAsync(request)).Violation;
    }
}

/// <summary>The limiter: per client address, RESOURCE_EXHAUSTED over gRPC and 429 over REST past Public:PermitsPerMinute.</summary>
public sealed class PublicRateLimitTests(LimitedOperatorFixture server) : IClassFixture<LimitedOperatorFixture>
{
    [Fact]
    public async Task PastTheLimit_GrpcIsResourceExhausted_AndRestIs429()
    {
        for (var i = 0; i < server.PermitsPerMinute; i++)
        {
            await server.Public.GetSigningKeysAsync(new GetSigningKeysRequest());
        }

        var e = await Assert.ThrowsAsync<RpcException>(() => server.Public.GetSigningKeysAsync(new GetSigningKeysRequest()).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Contains("Public:PermitsPerMinute", e.Status.Detail);

        using var http = new HttpClient();
        var rest = await http.GetAsync($"{server.HttpAddress}/v1/public/signing-keys");
        Assert.Equal(HttpStatusCode.TooManyRequests, rest.StatusCode);
        Assert.True(rest.Headers.RetryAfter is not null);
        // The same google.rpc.Status as the other REST errors, with the gRPC answer's code and reason.
        var refusal = Google.Protobuf.JsonParser.Default.Parse<Google.Rpc.Status>(await rest.Content.ReadAsStringAsync());
        Assert.Equal((int)StatusCode.ResourceExhausted, refusal.Code);
        Assert.Contains("Public:PermitsPerMinute", refusal.Message);

        // The public pages show what PublicService answers and count against the same limit: no way around it.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await http.GetAsync($"{server.HttpAddress}/")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await http.GetAsync($"{server.HttpAddress}/blacklist")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await http.GetAsync($"{server.HttpAddress}/verify")).StatusCode);

        // Other services are not limited.
        var status = await server.Credit().GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = server.OperatorA });
        Assert.Equal(server.OperatorA, status.Status.OperatorId);
    }
}
