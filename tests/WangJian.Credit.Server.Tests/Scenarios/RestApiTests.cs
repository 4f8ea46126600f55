using System.Net;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Tests.Scenarios;

/// <summary>
/// Every unary rpc over plain HTTP/1.1 JSON (the Http:Urls endpoint), with the same outcome as the same
/// call over gRPC: the same answer, the same error code and message, the same google.rpc details, and the
/// HTTP status that matches the code.
/// </summary>
[Collection(ServerCollection.Name)]
[Trait("Category", "Scenario")]
public sealed class RestApiTests(ServerFixture server) : IDisposable
{
    private readonly RestClient rest = new(server.HttpAddress, server.Tokens);

    public void Dispose() => rest.Dispose();

    [Fact]
    public async Task Calls_AreAnsweredOverHttp11()
    {
        var answer = await rest.GetAsync($"/v1/operators/{TestUscc.Huawei}/credit-status", "platform");
        Assert.Equal(HttpVersion.Version11, answer.Version);
        Assert.Equal(HttpStatusCode.OK, answer.Status);
    }

    [Fact]
    public async Task CreditService_ReadsAnswerAsOverGrpc()
    {
        var op = TestUscc.Fresh();
        var recorded = await server.Regulator.RecordViolationAsync(Requests.Violation(op, decidedAt: DateTimeOffset.UtcNow.AddDays(-40)));
        var asOf = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-5));

        var status = await rest.GetAsync($"/v1/operators/{op}/credit-status?asOf={Uri.EscapeDataString(asOf.ToDateTime().ToString("O"))}", "platform");
        Assert.Equal(
            await server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op, AsOf = asOf }),
            status.As<GetCreditStatusResponse>());
        Assert.Equal(85, status.As<GetCreditStatusResponse>().Status.Score);

        var batchRequest = new BatchGetCreditStatusRequest { OperatorIds = { op, TestUscc.Huawei }, AsOf = asOf };
        var batch = await rest.PostAsync("/v1/credit-status:batchGet", "platform", batchRequest);
        Assert.Equal(await server.Credit.BatchGetCreditStatusAsync(batchRequest), batch.As<BatchGetCreditStatusResponse>());

        var listed = TestUscc.Fresh();
        await server.Regulator.RecordViolationAsync(Requests.Violation(listed, severity: Severity.EspeciallySerious));
        var page = await rest.GetAsync("/v1/blacklist?pageSize=1000", "platform");
        var grpcPage = await server.Credit.ListBlacklistAsync(new ListBlacklistRequest { PageSize = 1000 });
        Assert.Contains(page.As<ListBlacklistResponse>().Entries, e => e.OperatorId == listed);
        Assert.Equal(grpcPage.Entries.Select(e => e.OperatorId).Take(10), page.As<ListBlacklistResponse>().Entries.Select(e => e.OperatorId).Take(10));
        Assert.NotNull(recorded);
    }

    [Fact]
    public async Task RegulatorService_WritesOverHttp_AreThoseSeenOverGrpc()
    {
        var op = TestUscc.Fresh();
        var request = Requests.Violation(op, "PRICE_FRAUD", decidedAt: DateTimeOffset.UtcNow.AddDays(-10));
        var recorded = (await rest.PostAsync($"/v1/operators/{op}/violations", "regulator", request)).As<RecordViolationResponse>();
        Assert.True(recorded.Created);
        Assert.Equal("dev-regulator", recorded.Violation.RecordedBy);

        // The same decision again over gRPC: the record made over HTTP, not created.
        var again = await server.Regulator.RecordViolationAsync(request);
        Assert.False(again.Created);
        Assert.Equal(recorded.Violation, again.Violation);

        var list = await rest.GetAsync($"/v1/operators/{op}/violations?pageSize=10", "regulator");
        Assert.Equal(await server.Regulator.ListViolationsAsync(new ListViolationsRequest { OperatorId = op, PageSize = 10 }), list.As<ListViolationsResponse>());

        var revoked = (await rest.PostAsync(
            $"/v1/operators/{op}/violations/{recorded.Violation.ViolationId}:revoke",
            "regulator",
            new RevokeViolationRequest { Reason = "行政复议撤销" })).As<RevokeViolationResponse>();
        Assert.Equal(ViolationStatus.Revoked, revoked.Violation.Status);
        Assert.Equal(100, revoked.Status.Score);
        var history = await server.Regulator.ListViolationsAsync(new ListViolationsRequest { OperatorId = op });
        Assert.Equal(ViolationStatus.Revoked, Assert.Single(history.Violations).Status);
    }

    [Fact]
    public async Task DecideRepair_OverHttp_RepairsLikeGrpc()
    {
        var op = TestUscc.Fresh();
        var recorded = await server.Regulator.RecordViolationAsync(Requests.Violation(op, "PRICE_FRAUD", decidedAt: DateTimeOffset.UtcNow.AddMonths(-7)));
        var repaired = (await rest.PostAsync(
            $"/v1/operators/{op}/repairs",
            "regulator",
            new DecideRepairRequest { ViolationId = recorded.Violation.ViolationId, Reason = "信用修复申请 2026-002" })).As<DecideRepairResponse>();
        Assert.Equal(ViolationStatus.Repaired, repaired.Violation.Status);
        var history = await server.Regulator.ListViolationsAsync(new ListViolationsRequest { OperatorId = op });
        Assert.Equal(repaired.Violation, Assert.Single(history.Violations));
    }

    [Fact]
    public async Task AgencyAndCases_OverHttp_AnswerAsOverGrpc()
    {
        var op = TestUscc.Fresh();
        var recorded = await server.Regulator.RecordViolationAsync(Requests.Violation(op, severity: Severity.EspeciallySerious));
        Assert.True(recorded.Status.Blacklisted);

        var check = (await rest.PostAsync("/v1/checks", "agency:NDRC", new CheckOperatorRequest { OperatorId = op, Matter = "GOV_FUNDING" })).As<CheckOperatorResponse>();
        Assert.Equal(CheckDecision.Prohibit, check.Decision);
        var viaGrpc = await server.AgencyClient("NDRC").CheckOperatorAsync(new CheckOperatorRequest { OperatorId = op, Matter = "GOV_FUNDING" });
        Assert.Equal(viaGrpc.Measures, check.Measures);
        Assert.Equal(viaGrpc.StatusVersion, check.StatusVersion);

        var checks = await rest.GetAsync($"/v1/checks?operatorId={op}&agencyCode=NDRC", "regulator");
        var grpcChecks = await server.Regulator.ListChecksAsync(new ListChecksRequest { OperatorId = op, AgencyCode = "NDRC" });
        Assert.Equal(grpcChecks, checks.As<ListChecksResponse>());
        Assert.Contains(checks.As<ListChecksResponse>().Checks, c => c.CheckId == check.CheckId);

        var opened = (await rest.PostAsync($"/v1/operators/{op}/punishment-cases", "regulator", new OpenPunishmentCaseRequest { Reason = "人工复核立案" })).As<OpenPunishmentCaseResponse>();
        Assert.Equal(op, opened.Case.OperatorId);
        var cases = await rest.GetAsync($"/v1/operators/{op}/punishment-cases", "regulator");
        Assert.Equal(await server.Regulator.ListPunishmentCasesAsync(new ListPunishmentCasesRequest { OperatorId = op }), cases.As<ListPunishmentCasesResponse>());

        // The listing's notices for SPB, pulled and acknowledged over HTTP.
        NoticeRecord? notice = null;
        for (var attempt = 0; attempt < 100 && notice is null; attempt++)
        {
            var page = (await rest.GetAsync("/v1/notices?pageSize=1000", "agency:SPB")).As<ListNoticesResponse>();
            notice = page.Notices.FirstOrDefault(n => n.Notice.OperatorId == op);
            if (notice is null)
            {
                await Task.Delay(100);
            }
        }

        Assert.NotNull(notice);
        var grpcNotices = await server.AgencyClient("SPB").ListNoticesAsync(new ListNoticesRequest { PageSize = 1000 });
        Assert.Contains(grpcNotices.Notices, n => n.Notice.NoticeId == notice.Notice.NoticeId);
        var acknowledged = (await rest.PostAsync(
            $"/v1/notices/{notice.Notice.NoticeId}:acknowledge",
            "agency:SPB",
            new AcknowledgeNoticeRequest { ActionTaken = "已列入快递业务经营许可从严审核名单" })).As<AcknowledgeNoticeResponse>();
        Assert.Equal(NoticeState.Acknowledged, acknowledged.Notice.State);
        Assert.Equal("dev-agency-spb", acknowledged.Notice.AcknowledgedBy);
    }

    [Fact]
    public async Task InvalidArgument_Is400WithTheSameFieldViolations()
    {
        const string bad = "91330106673959654Q";
        var http = await rest.GetAsync($"/v1/operators/{bad}/credit-status", "platform");
        var grpc = await Assert.ThrowsAsync<RpcException>(() => server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = bad }).ResponseAsync);
        AssertSameError(grpc, http, HttpStatusCode.BadRequest);
        Assert.Equal("operator_id", http.Error().Details[0].Unpack<BadRequest>().FieldViolations[0].Field);

        var empty = new RecordViolationRequest { OperatorId = TestUscc.Fresh() };
        var httpRecord = await rest.PostAsync($"/v1/operators/{empty.OperatorId}/violations", "regulator", empty);
        var grpcRecord = await Assert.ThrowsAsync<RpcException>(() => server.Regulator.RecordViolationAsync(empty).ResponseAsync);
        AssertSameError(grpcRecord, httpRecord, HttpStatusCode.BadRequest);
        Assert.True(httpRecord.Error().Details[0].Unpack<BadRequest>().FieldViolations.Count > 1);
    }

    [Fact]
    public async Task Unauthenticated_Is401_AndPermissionDenied_Is403()
    {
        var none = await rest.GetAsync($"/v1/operators/{TestUscc.Huawei}/credit-status", null);
        Assert.Equal(HttpStatusCode.Unauthorized, none.Status);
        Assert.Equal((int)StatusCode.Unauthenticated, none.Error().Code);

        var unknown = await rest.GetAsync($"/v1/operators/{TestUscc.Huawei}/credit-status", "not-a-known-token");
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.Status);
        Assert.Contains("not known", unknown.Error().Message);

        var platform = await rest.PostAsync("/v1/checks", "platform", new CheckOperatorRequest { OperatorId = TestUscc.Huawei, Matter = "GOV_FUNDING" });
        Assert.Equal(HttpStatusCode.Forbidden, platform.Status);
        Assert.Equal((int)StatusCode.PermissionDenied, platform.Error().Code);
        Assert.Contains("platform", platform.Error().Message);

        var grpc = await Assert.ThrowsAsync<RpcException>(() =>
            new AgencyService.AgencyServiceClient(server.As("platform")).CheckOperatorAsync(new CheckOperatorRequest { OperatorId = TestUscc.Huawei, Matter = "GOV_FUNDING" }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, grpc.StatusCode);
    }

    [Fact]
    public async Task NotFound_Is404_AndAlreadyExists_Is409()
    {
        var op = TestUscc.Fresh();
        var recorded = await server.Regulator.RecordViolationAsync(Requests.Violation(op));
        var revoke = new RevokeViolationRequest { OperatorId = op, ViolationId = "v-does-not-exist", Reason = "复议撤销" };
        var http = await rest.PostAsync($"/v1/operators/{op}/violations/v-does-not-exist:revoke", "regulator", new RevokeViolationRequest { Reason = revoke.Reason });
        var grpc = await Assert.ThrowsAsync<RpcException>(() => server.Regulator.RevokeViolationAsync(revoke).ResponseAsync);
        AssertSameError(grpc, http, HttpStatusCode.NotFound);

        var conflicting = Requests.Violation(op, decisionNumber: recorded.Violation.DecisionNumber);
        conflicting.FineFen += 1;
        var httpConflict = await rest.PostAsync($"/v1/operators/{op}/violations", "regulator", conflicting);
        var grpcConflict = await Assert.ThrowsAsync<RpcException>(() => server.Regulator.RecordViolationAsync(conflicting).ResponseAsync);
        AssertSameError(grpcConflict, httpConflict, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task FailedPrecondition_Is400WithThePreconditionFailure()
    {
        var op = TestUscc.Fresh();
        var recorded = await server.Regulator.RecordViolationAsync(Requests.Violation(op, "PRICE_FRAUD", decidedAt: DateTimeOffset.UtcNow.AddDays(-10)));
        var repair = new DecideRepairRequest { OperatorId = op, ViolationId = recorded.Violation.ViolationId, Reason = "信用修复申请 2026-003" };
        var http = await rest.PostAsync($"/v1/operators/{op}/repairs", "regulator", repair);
        var grpc = await Assert.ThrowsAsync<RpcException>(() => server.Regulator.DecideRepairAsync(repair).ResponseAsync);
        AssertSameError(grpc, http, HttpStatusCode.BadRequest);
        var failure = http.Error().Details[0].Unpack<PreconditionFailure>();
        Assert.Equal("TOO_EARLY", failure.Violations[0].Type);

        var notListed = await rest.PostAsync($"/v1/operators/{op}/punishment-cases", "regulator", new OpenPunishmentCaseRequest { Reason = "人工复核" });
        Assert.Equal(HttpStatusCode.BadRequest, notListed.Status);
        Assert.Equal((int)StatusCode.FailedPrecondition, notListed.Error().Code);
    }

    [Fact]
    public async Task ImportViolations_TakesNewlineDelimitedJson_AndRejectsBadRowsLikeTheStream()
    {
        var op = TestUscc.Fresh();
        var good = Requests.Violation(op);
        var bad = Requests.Violation("91330106673959654Q");
        var lines = string.Join("\n", new[] { good, bad, Requests.Violation(op) }.Select(v => JsonFormatter.Default.Format(new ImportViolationsRequest { Violation = v })));
        var answer = await rest.SendAsync(HttpMethod.Post, "/v1/violations:import", "regulator", lines + "\n");
        var result = answer.As<ImportViolationsResponse>();
        Assert.Equal(3, result.Received);
        Assert.Equal(2, result.Created);
        Assert.Equal(1, Assert.Single(result.RejectedRows).Index);
        Assert.Equal("INVALID_ARGUMENT", result.RejectedRows[0].Code);
        Assert.Equal(2, (await server.Regulator.ListViolationsAsync(new ListViolationsRequest { OperatorId = op })).TotalSize);

        var platform = await rest.SendAsync(HttpMethod.Post, "/v1/violations:import", "platform", lines);
        Assert.Equal(HttpStatusCode.Forbidden, platform.Status);
        var garbage = await rest.SendAsync(HttpMethod.Post, "/v1/violations:import", "regulator", "{not json");
        Assert.Equal(HttpStatusCode.BadRequest, garbage.Status);
        Assert.Equal((int)StatusCode.InvalidArgument, garbage.Error().Code);
    }

    [Fact]
    public async Task WatchCreditChanges_StreamsJsonMessagesWithCursors()
    {
        var op = TestUscc.Fresh();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var head = server.Credit.WatchCreditChanges(new WatchCreditChangesRequest(), cancellationToken: cts.Token);
        var lines = rest.StreamAsync("/v1/credit-changes?fromBeginning=true", "platform", cts.Token).GetAsyncEnumerator(cts.Token);
        await server.Regulator.RecordViolationAsync(Requests.Violation(op, severity: Severity.EspeciallySerious));
        WatchCreditChangesResponse? change = null;
        while (change is null && await lines.MoveNextAsync())
        {
            var message = JsonParser.Default.Parse<WatchCreditChangesResponse>(lines.Current);
            Assert.StartsWith("c1.", message.Cursor);
            if (message.OperatorId == op)
            {
                change = message;
            }
        }

        Assert.NotNull(change);
        Assert.True(change.Blacklisted);
        Assert.Equal(Grade.D, change.Grade);
        await cts.CancelAsync();
        await lines.DisposeAsync();
        head.Dispose();
    }

    [Fact]
    public async Task PlatformService_OverHttp_AnswersAsOverGrpc()
    {
        var sellers = Enumerable.Range(0, 3).Select(_ => TestUscc.Fresh()).Order(StringComparer.Ordinal).ToArray();
        var added = (await rest.PostAsync("/v1/platform/sellers:add", "platform", new AddSellersRequest { SellerIds = { sellers } })).As<AddSellersResponse>();
        Assert.Equal(3, added.Added);
        var count = (await rest.GetAsync("/v1/platform/sellers:count", "platform")).As<CountSellersResponse>();
        Assert.Equal((await server.Platform.CountSellersAsync(new CountSellersRequest())).Count, count.Count);
        var page = await rest.GetAsync("/v1/platform/sellers?pageSize=10000", "platform");
        Assert.Equal(await server.Platform.ListSellersAsync(new ListSellersRequest { PageSize = 10000 }), page.As<ListSellersResponse>());
        Assert.Subset(page.As<ListSellersResponse>().SellerIds.ToHashSet(), sellers.ToHashSet());
        var removed = (await rest.PostAsync("/v1/platform/sellers:remove", "platform", new RemoveSellersRequest { SellerIds = { sellers[0] } })).As<RemoveSellersResponse>();
        Assert.Equal(1, removed.Removed);
        var bad = await rest.PostAsync("/v1/platform/sellers:add", "platform", new AddSellersRequest { SellerIds = { "91330106673959654Q" } });
        var grpcBad = await Assert.ThrowsAsync<RpcException>(() => server.Platform.AddSellersAsync(new AddSellersRequest { SellerIds = { "91330106673959654Q" } }).ResponseAsync);
        AssertSameError(grpcBad, bad, HttpStatusCode.BadRequest);

        await using var receiver = await WebhookReceiver.StartAsync();
        var created = (await rest.PostAsync("/v1/platform/webhooks", "platform", new CreateWebhookRequest { Url = receiver.Url, SellersOnly = true })).As<CreateWebhookResponse>();
        var id = created.Webhook.WebhookId;
        var listed = (await rest.GetAsync("/v1/platform/webhooks", "platform")).As<ListWebhooksResponse>();
        Assert.Contains(listed.Webhooks, w => w.WebhookId == id);
        var rotated = (await rest.PostAsync($"/v1/platform/webhooks/{id}:rotateSecret", "platform", new RotateWebhookSecretRequest())).As<RotateWebhookSecretResponse>();
        Assert.NotEqual(created.Secret, rotated.Secret);
        var deliveries = (await rest.GetAsync($"/v1/platform/webhooks/{id}/deliveries", "platform")).As<ListWebhookDeliveriesResponse>();
        Assert.Empty(deliveries.Deliveries);
        var redelivered = (await rest.PostAsync($"/v1/platform/webhooks/{id}:redeliver", "platform", new RedeliverWebhookRequest())).As<RedeliverWebhookResponse>();
        Assert.True(redelivered.Webhook.Enabled);
        var refused = await rest.PostAsync("/v1/platform/webhooks", "platform", new CreateWebhookRequest { Url = "http://169.254.169.254/latest/meta-data/" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("url", refused.Error().Details[0].Unpack<BadRequest>().FieldViolations[0].Field);
        var deleted = await rest.SendAsync(HttpMethod.Delete, $"/v1/platform/webhooks/{id}", "platform");
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        var gone = await rest.SendAsync(HttpMethod.Delete, $"/v1/platform/webhooks/{id}", "platform");
        var grpcGone = await Assert.ThrowsAsync<RpcException>(() => server.Platform.DeleteWebhookAsync(new DeleteWebhookRequest { WebhookId = id }).ResponseAsync);
        AssertSameError(grpcGone, gone, HttpStatusCode.NotFound);
        var regulator = await rest.GetAsync("/v1/platform/webhooks", "regulator");
        Assert.Equal(HttpStatusCode.Forbidden, regulator.Status);
    }

    /// <summary>Same code, message and details as over gRPC, and the HTTP status of that code.</summary>
    private static void AssertSameError(RpcException grpc, RestClient.Answer http, HttpStatusCode expected)
    {
        Assert.Equal(expected, http.Status);
        var status = http.Error();
        Assert.Equal((int)grpc.StatusCode, status.Code);
        Assert.Equal(grpc.Status.Detail, status.Message);
        var grpcDetails = grpc.GetRpcStatus()?.Details ?? [];
        Assert.Equal(grpcDetails, status.Details);
    }
}
