using System.Net;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using WangJian.Credit.V1;
using Xunit.Sdk;

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
    [RestRoundTrip("CreditService/GetCreditStatus", "CreditService/BatchGetCreditStatus", "CreditService/ListBlacklist")]
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
    [RestRoundTrip("RegulatorService/RecordViolation", "RegulatorService/ListViolations", "RegulatorService/RevokeViolation")]
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
    [RestRoundTrip("RegulatorService/DecideRepair")]
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
    [RestRoundTrip("AgencyService/CheckOperator", "RegulatorService/ListChecks", "RegulatorService/OpenPunishmentCase", "RegulatorService/ListPunishmentCases", "AgencyService/ListNotices", "AgencyService/AcknowledgeNotice")]
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
    [RestRoundTrip("RegulatorService/ImportViolations")]
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
    [RestRoundTrip("CreditService/WatchCreditChanges")]
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
    [RestRoundTrip("PlatformService/AddSellers", "PlatformService/CountSellers", "PlatformService/ListSellers", "PlatformService/RemoveSellers", "PlatformService/CreateWebhook", "PlatformService/ListWebhooks", "PlatformService/RotateWebhookSecret", "PlatformService/ListWebhookDeliveries", "PlatformService/RedeliverWebhook", "PlatformService/DeleteWebhook")]
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

    [Fact]
    [RestRoundTrip("AuditService/ListAccessLog", "AuditService/ExportAccessLog")]
    public async Task AuditService_OverHttp_AnswersAsOverGrpc()
    {
        var op = TestUscc.Fresh();
        await server.Credit.GetCreditStatusAsync(new GetCreditStatusRequest { OperatorId = op });
        await rest.GetAsync($"/v1/operators/{op}/credit-status", "platform");
        await rest.GetAsync($"/v1/operators/{op}/credit-status", "agency:NDRC");
        // Bounded above, so the two queries read the same records (each query is itself a call that is logged).
        var filter = new AccessLogFilter { OperatorId = op, EndTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow) };
        var query = $"filter.operatorId={op}&filter.endTime={Uri.EscapeDataString(filter.EndTime.ToDateTimeOffset().ToString("O"))}";
        var auditor = new AuditService.AuditServiceClient(server.As("auditor"));

        var page = (await rest.GetAsync($"/v1/access-log?{query}&pageSize=2", "auditor")).As<ListAccessLogResponse>();
        Assert.Equal(await auditor.ListAccessLogAsync(new ListAccessLogRequest { Filter = filter, PageSize = 2 }), page);
        Assert.Equal(new[] { "dev-agency-ndrc", "dev-platform" }, page.Records.Select(r => r.Principal));
        Assert.All(page.Records, r => Assert.Equal(("wangjian.credit.v1.CreditService/GetCreditStatus", "OK"), (r.Rpc, r.Status)));
        var second = (await rest.GetAsync($"/v1/access-log?{query}&pageSize=2&pageToken={Uri.EscapeDataString(page.NextPageToken)}", "auditor")).As<ListAccessLogResponse>();
        Assert.Equal(await auditor.ListAccessLogAsync(new ListAccessLogRequest { Filter = filter, PageSize = 2, PageToken = page.NextPageToken }), second);
        Assert.Equal("dev-platform", Assert.Single(second.Records).Principal);

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var exported = new List<AccessRecord>();
        await foreach (var line in rest.StreamAsync($"/v1/access-log:export?{query}", "auditor", cts.Token))
        {
            exported.AddRange(JsonParser.Default.Parse<ExportAccessLogResponse>(line).Records);
        }

        var grpcExport = new List<AccessRecord>();
        using (var call = auditor.ExportAccessLog(new ExportAccessLogRequest { Filter = filter }, cancellationToken: cts.Token))
        {
            while (await call.ResponseStream.MoveNext(cts.Token))
            {
                grpcExport.AddRange(call.ResponseStream.Current.Records);
            }
        }

        Assert.Equal(3, exported.Count);
        Assert.Equal(grpcExport, exported);

        // REST calls are logged like gRPC calls, under their rpc, refused ones too, with the code of the answer.
        var other = TestUscc.Fresh();
        var recent = await server.Regulator.RecordViolationAsync(Requests.Violation(other, "PRICE_FRAUD", decidedAt: DateTimeOffset.UtcNow.AddDays(-10)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await rest.GetAsync($"/v1/operators/{other}/credit-status", null)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await rest.GetAsync($"/v1/operators/{other}/violations", "platform")).Status);
        var tooEarly = new DecideRepairRequest { ViolationId = recent.Violation.ViolationId, Reason = "信用修复申请" };
        Assert.Equal(HttpStatusCode.BadRequest, (await rest.PostAsync($"/v1/operators/{other}/repairs", "regulator", tooEarly)).Status);
        var logged = (await rest.GetAsync($"/v1/access-log?filter.operatorId={other}", "auditor")).As<ListAccessLogResponse>().Records;
        Assert.Equal(
            new[]
            {
                ("wangjian.credit.v1.RegulatorService/DecideRepair", "FAILED_PRECONDITION", "dev-regulator"),
                ("wangjian.credit.v1.RegulatorService/ListViolations", "PERMISSION_DENIED", "dev-platform"),
                ("wangjian.credit.v1.CreditService/GetCreditStatus", "UNAUTHENTICATED", ""),
                ("wangjian.credit.v1.RegulatorService/RecordViolation", "OK", "dev-regulator"),
            },
            logged.Select(r => (r.Rpc, r.Status, r.Principal)));

        var bad = await rest.GetAsync("/v1/access-log?filter.operatorId=91330106673959654Q", "auditor");
        var grpcBad = await Assert.ThrowsAsync<RpcException>(() => auditor.ListAccessLogAsync(new ListAccessLogRequest { Filter = new AccessLogFilter { OperatorId = "91330106673959654Q" } }).ResponseAsync);
        AssertSameError(grpcBad, bad, HttpStatusCode.BadRequest);
        Assert.Equal("filter.operator_id", bad.Error().Details[0].Unpack<BadRequest>().FieldViolations[0].Field);
        var platform = await rest.GetAsync("/v1/access-log", "platform");
        var grpcPlatform = await Assert.ThrowsAsync<RpcException>(() => new AuditService.AuditServiceClient(server.As("platform")).ListAccessLogAsync(new ListAccessLogRequest()).ResponseAsync);
        Assert.Equal(HttpStatusCode.Forbidden, platform.Status);
        Assert.Equal((int)grpcPlatform.StatusCode, platform.Error().Code);
        Assert.Contains("platform", platform.Error().Message);
    }

    [Fact]
    [RestRoundTrip("CreditService/GetCreditReport", "PublicService/VerifyCreditReport", "PublicService/GetSigningKeys")]
    public async Task CreditReport_OverHttp_IsSignedAndVerifiedLikeOverGrpc()
    {
        var op = TestUscc.Fresh();
        await server.Regulator.RecordViolationAsync(Requests.Violation(op, severity: Severity.EspeciallySerious));
        var asOf = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(-1));
        var request = new GetCreditReportRequest { OperatorId = op, AsOf = asOf, Format = ReportFormat.Json };
        var report = (await rest.GetAsync($"/v1/operators/{op}/credit-report?format=REPORT_FORMAT_JSON&asOf={Uri.EscapeDataString(asOf.ToDateTimeOffset().ToString("O"))}", "platform")).As<GetCreditReportResponse>();
        var grpcReport = await server.Credit.GetCreditReportAsync(request);
        Assert.Equal(("application/json", grpcReport.KeyId), (report.MediaType, report.KeyId));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(report.Content.Span)), report.Sha256);
        using (var json = System.Text.Json.JsonDocument.Parse(report.Content.Memory))
        {
            Assert.Contains(op, json.RootElement.GetRawText());
        }

        // The keys, the same both ways; the report's bytes (base64 in JSON) carry a signature the current key verifies.
        var keys = (await rest.GetAsync("/v1/public/signing-keys", null)).As<GetSigningKeysResponse>();
        var publicClient = new PublicService.PublicServiceClient(server.As(null));
        Assert.Equal(await publicClient.GetSigningKeysAsync(new GetSigningKeysRequest()), keys);
        using var key = System.Security.Cryptography.ECDsa.Create();
        key.ImportFromPem(keys.Keys.Single(k => k.KeyId == report.KeyId).PublicKeyPem);
        Assert.True(key.VerifyData(report.Content.Span, Convert.FromBase64String(report.Signature), System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

        // Each report verified over the other transport, with the same verdicts.
        foreach (var (number, sha) in new[] { (report.ReportNumber, report.Sha256), (grpcReport.ReportNumber, grpcReport.Sha256) })
        {
            var verify = new VerifyCreditReportRequest { ReportNumber = number, Sha256 = sha };
            var verdict = (await rest.PostAsync("/v1/public/reports:verify", null, verify)).As<VerifyCreditReportResponse>();
            Assert.Equal(await publicClient.VerifyCreditReportAsync(verify), verdict);
            Assert.Equal((ReportVerdict.Valid, op, Grade.D), (verdict.Verdict, verdict.OperatorId, verdict.Grade));
        }

        var altered = new VerifyCreditReportRequest { ReportNumber = report.ReportNumber, Sha256 = new string('0', 64) };
        Assert.Equal(ReportVerdict.Altered, (await rest.PostAsync("/v1/public/reports:verify", null, altered)).As<VerifyCreditReportResponse>().Verdict);
        var malformed = new VerifyCreditReportRequest { ReportNumber = report.ReportNumber, Sha256 = "not-hex" };
        var httpMalformed = await rest.PostAsync("/v1/public/reports:verify", null, malformed);
        var grpcMalformed = await Assert.ThrowsAsync<RpcException>(() => publicClient.VerifyCreditReportAsync(malformed).ResponseAsync);
        AssertSameError(grpcMalformed, httpMalformed, HttpStatusCode.BadRequest);
        Assert.Equal("sha256", httpMalformed.Error().Details[0].Unpack<BadRequest>().FieldViolations[0].Field);

        var future = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1));
        var httpFuture = await rest.GetAsync($"/v1/operators/{op}/credit-report?format=REPORT_FORMAT_JSON&asOf={Uri.EscapeDataString(future.ToDateTimeOffset().ToString("O"))}", "platform");
        var grpcFuture = await Assert.ThrowsAsync<RpcException>(() => server.Credit.GetCreditReportAsync(new GetCreditReportRequest { OperatorId = op, AsOf = future, Format = ReportFormat.Json }).ResponseAsync);
        Assert.Equal(HttpStatusCode.BadRequest, httpFuture.Status);
        Assert.Equal((int)grpcFuture.StatusCode, httpFuture.Error().Code);
        Assert.Equal("as_of", httpFuture.Error().Details[0].Unpack<BadRequest>().FieldViolations[0].Field);
    }

    [Fact]
    [RestRoundTrip("PublicService/GetPublicRecord", "PublicService/ListPublicBlacklist")]
    public async Task PublicService_OverHttp_WithNoToken_AnswersAsOverGrpc()
    {
        var op = TestUscc.Fresh();
        await server.Regulator.RecordViolationAsync(Requests.Violation(op, severity: Severity.EspeciallySerious, decidedAt: DateTimeOffset.UtcNow.AddDays(-3)));
        var publicClient = new PublicService.PublicServiceClient(server.As(null));

        var record = (await rest.GetAsync($"/v1/public/operators/{op}", null)).As<GetPublicRecordResponse>();
        var grpcRecord = await publicClient.GetPublicRecordAsync(new GetPublicRecordRequest { OperatorId = op });
        Assert.True(record.AsOf.ToDateTimeOffset() >= grpcRecord.AsOf.ToDateTimeOffset().AddSeconds(-5));
        record.AsOf = grpcRecord.AsOf = null;
        Assert.Equal(grpcRecord, record);
        Assert.Single(record.Listing.Decisions);

        var page = (await rest.GetAsync("/v1/public/blacklist?pageSize=1000", null)).As<ListPublicBlacklistResponse>();
        Assert.Equal(await publicClient.ListPublicBlacklistAsync(new ListPublicBlacklistRequest { PageSize = 1000 }), page);
        var token = page.NextPageToken;
        var found = page.Entries.Any(e => e.OperatorId == op);
        while (!found && token.Length > 0)
        {
            var next = (await rest.GetAsync($"/v1/public/blacklist?pageSize=1000&pageToken={Uri.EscapeDataString(token)}", null)).As<ListPublicBlacklistResponse>();
            found = next.Entries.Any(e => e.OperatorId == op);
            token = next.NextPageToken;
        }

        Assert.True(found);
        var bad = await rest.GetAsync("/v1/public/operators/91330106673959654Q", null);
        var grpcBad = await Assert.ThrowsAsync<RpcException>(() => publicClient.GetPublicRecordAsync(new GetPublicRecordRequest { OperatorId = "91330106673959654Q" }).ResponseAsync);
        AssertSameError(grpcBad, bad, HttpStatusCode.BadRequest);
        var badPage = await rest.GetAsync("/v1/public/blacklist?pageSize=5000", null);
        var grpcBadPage = await Assert.ThrowsAsync<RpcException>(() => publicClient.ListPublicBlacklistAsync(new ListPublicBlacklistRequest { PageSize = 5000 }).ResponseAsync);
        AssertSameError(grpcBadPage, badPage, HttpStatusCode.BadRequest);
    }

    [Fact]
    [RestRoundTrip("PolicyService/ListPolicies", "PolicyService/GetPolicy", "PolicyService/ValidatePolicy", "PolicyService/SimulatePolicy")]
    public async Task PolicyService_ReadsAndDryRunOverHttp_AnswerAsOverGrpc()
    {
        var policies = new PolicyService.PolicyServiceClient(server.As("auditor"));
        var list = (await rest.GetAsync("/v1/policies", "auditor")).As<ListPoliciesResponse>();
        Assert.Equal(await policies.ListPoliciesAsync(new ListPoliciesRequest()), list);
        var current = (await rest.GetAsync($"/v1/policies/{list.CurrentVersion}", "regulator")).As<GetPolicyResponse>();
        Assert.Equal(await policies.GetPolicyAsync(new GetPolicyRequest { Version = list.CurrentVersion }), current);

        var edited = System.Text.Json.Nodes.JsonNode.Parse(current.Document)!;
        edited["version"] = "2026.rest";
        var valid = new ValidatePolicyRequest { Document = edited.ToJsonString() };
        var validated = (await rest.PostAsync("/v1/policies:validate", "admin", valid)).As<ValidatePolicyResponse>();
        Assert.Equal(await policies.ValidatePolicyAsync(valid), validated);
        Assert.True(validated.Valid, string.Join("; ", validated.Errors));
        edited["grades"]!["c"] = 95;
        var invalid = new ValidatePolicyRequest { Document = edited.ToJsonString() };
        var refused = (await rest.PostAsync("/v1/policies:validate", "admin", invalid)).As<ValidatePolicyResponse>();
        Assert.Equal(await policies.ValidatePolicyAsync(invalid), refused);
        Assert.Contains(refused.Errors, e => e.StartsWith("grades", StringComparison.Ordinal));

        // A dry run of the version in force at a fixed instant: progress, then the same report both ways.
        var now = DateTimeOffset.UtcNow;
        var simulate = new SimulatePolicyRequest
        {
            Document = current.Document,
            AsOf = Timestamp.FromDateTimeOffset(now.AddMinutes(-1)),
            ChecksFrom = Timestamp.FromDateTimeOffset(now.AddDays(-1)),
            ChecksTo = Timestamp.FromDateTimeOffset(now.AddMinutes(-1)),
        };
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var messages = new List<SimulatePolicyResponse>();
        await foreach (var line in rest.StreamAsync(HttpMethod.Post, "/v1/policies:simulate", "auditor", simulate, cts.Token))
        {
            messages.Add(JsonParser.Default.Parse<SimulatePolicyResponse>(line));
        }

        SimulationReport? grpcReport = null;
        using (var call = policies.SimulatePolicy(simulate, cancellationToken: cts.Token))
        {
            while (await call.ResponseStream.MoveNext(cts.Token))
            {
                grpcReport = call.ResponseStream.Current.Report ?? grpcReport;
            }
        }

        Assert.Equal(SimulatePolicyResponse.EventOneofCase.Report, messages[^1].EventCase);
        Assert.All(messages[..^1], m => Assert.Equal(SimulatePolicyResponse.EventOneofCase.Progress, m.EventCase));
        var report = messages[^1].Report;
        Assert.NotNull(grpcReport);
        Assert.Equal(0, report.OperatorsChanged);
        Assert.True(report.OperatorsAssessed > 0);
        report.ElapsedMs = grpcReport.ElapsedMs = 0;
        Assert.Equal(grpcReport, report);

        var unknown = await rest.GetAsync("/v1/policies/1999.9", "auditor");
        var grpcUnknown = await Assert.ThrowsAsync<RpcException>(() => policies.GetPolicyAsync(new GetPolicyRequest { Version = "1999.9" }).ResponseAsync);
        AssertSameError(grpcUnknown, unknown, HttpStatusCode.NotFound);
        var badRun = await rest.PostAsync("/v1/policies:simulate", "auditor", new SimulatePolicyRequest { Document = invalid.Document });
        var grpcBadRun = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = policies.SimulatePolicy(new SimulatePolicyRequest { Document = invalid.Document });
            await call.ResponseStream.MoveNext();
        });
        AssertSameError(grpcBadRun, badRun, HttpStatusCode.BadRequest);
        var platform = await rest.GetAsync("/v1/policies", "platform");
        Assert.Equal(HttpStatusCode.Forbidden, platform.Status);
        Assert.Contains("platform", platform.Error().Message);
    }

    [Fact]
    [RestRoundTrip(
        "OperatorService/GetCreditFile", "OperatorService/SubmitRepairApplication", "OperatorService/SubmitObjection", "OperatorService/ListMyApplications",
        "OperatorService/WithdrawApplication", "RegulatorService/ListApplications", "RegulatorService/DecideApplication")]
    public async Task OperatorService_AndTheRegulatorsInbox_OverHttp_AnswerAsOverGrpc()
    {
        // The dev operator principal is bound to this USCC.
        const string op = TestUscc.AlibabaCloud;
        var operatorClient = new OperatorService.OperatorServiceClient(server.As("operator"));
        var old = (await server.Regulator.RecordViolationAsync(Requests.Violation(op, "PRICE_FRAUD", decidedAt: DateTimeOffset.UtcNow.AddMonths(-7)))).Violation;
        var recent = (await server.Regulator.RecordViolationAsync(Requests.Violation(op, "PRICE_FRAUD", decidedAt: DateTimeOffset.UtcNow.AddDays(-10)))).Violation;

        var asked = DateTimeOffset.UtcNow;
        var file = (await rest.GetAsync($"/v1/operators/{op}/credit-file", "operator")).As<GetCreditFileResponse>();
        var grpcFile = await operatorClient.GetCreditFileAsync(new GetCreditFileRequest { OperatorId = op });
        var answered = DateTimeOffset.UtcNow;
        // "Now" differs between the two calls: the as-of instant and a step that is possible from now on.
        foreach (var f in new[] { file, grpcFile })
        {
            f.Status.AsOf = null;
            foreach (var step in f.Path.Where(s => s.StepTime.ToDateTimeOffset() >= asked && s.StepTime.ToDateTimeOffset() <= answered))
            {
                step.StepTime = null;
            }
        }

        Assert.Equal(grpcFile, file);
        Assert.Contains(file.Path, s => s.Kind == RepairStepKind.ViolationRepairable && s.ViolationId == recent.ViolationId);

        // A repair application over HTTP, seen over gRPC; the same again is ALREADY_EXISTS with the open one in the details.
        var apply = new SubmitRepairApplicationRequest
        {
            ViolationId = old.ViolationId, Statement = "已缴纳罚款并整改", CommitmentAccepted = true,
            Evidence = { new EvidenceItem { Name = "缴款凭证.pdf", Sha256 = new string('a', 64), SizeBytes = 48213, MediaType = "application/pdf" } },
        };
        var applied = (await rest.PostAsync($"/v1/operators/{op}/repair-applications", "operator", apply)).As<SubmitRepairApplicationResponse>().Application;
        Assert.Equal((ApplicationState.Submitted, old.ViolationId, "330100-SAMR"), (applied.State, applied.ViolationId, Assert.Single(applied.AuthorityCodes)));
        var again = await rest.PostAsync($"/v1/operators/{op}/repair-applications", "operator", apply);
        var grpcAgain = await Assert.ThrowsAsync<RpcException>(() => operatorClient.SubmitRepairApplicationAsync(new SubmitRepairApplicationRequest(apply) { OperatorId = op }).ResponseAsync);
        AssertSameError(grpcAgain, again, HttpStatusCode.Conflict);
        Assert.Contains(again.Error().Details, d => d.TryUnpack<V1.Application>(out var open) && open.ApplicationId == applied.ApplicationId);

        // Too early: FAILED_PRECONDITION with the earliest date, 400 with the same PreconditionFailure.
        var early = new SubmitRepairApplicationRequest { ViolationId = recent.ViolationId, Statement = "已整改", CommitmentAccepted = true };
        var httpEarly = await rest.PostAsync($"/v1/operators/{op}/repair-applications", "operator", early);
        var grpcEarly = await Assert.ThrowsAsync<RpcException>(() => operatorClient.SubmitRepairApplicationAsync(new SubmitRepairApplicationRequest(early) { OperatorId = op }).ResponseAsync);
        AssertSameError(grpcEarly, httpEarly, HttpStatusCode.BadRequest);
        Assert.Equal("TOO_EARLY", httpEarly.Error().Details[0].Unpack<PreconditionFailure>().Violations[0].Type);

        // An objection, listed, then withdrawn over HTTP.
        var objected = (await rest.PostAsync($"/v1/operators/{op}/objections", "operator", new SubmitObjectionRequest { ViolationId = recent.ViolationId, Grounds = "处罚决定书已被复议撤销" }))
            .As<SubmitObjectionResponse>().Application;
        Assert.Equal(ApplicationKind.Objection, objected.Kind);
        var mine = (await rest.GetAsync($"/v1/operators/{op}/applications?pageSize=1000", "operator")).As<ListMyApplicationsResponse>();
        Assert.Equal(await operatorClient.ListMyApplicationsAsync(new ListMyApplicationsRequest { OperatorId = op, PageSize = 1000 }), mine);
        Assert.Contains(mine.Applications, a => a.Equals(applied));
        Assert.Contains(mine.Applications, a => a.Equals(objected));
        var withdrawn = (await rest.PostAsync($"/v1/operators/{op}/applications/{objected.ApplicationId}:withdraw", "operator", new WithdrawApplicationRequest())).As<WithdrawApplicationResponse>().Application;
        Assert.Equal(ApplicationState.Withdrawn, withdrawn.State);
        var afterWithdrawal = await operatorClient.ListMyApplicationsAsync(new ListMyApplicationsRequest { OperatorId = op, PageSize = 1000 });
        Assert.Equal(withdrawn, afterWithdrawal.Applications.Single(a => a.ApplicationId == objected.ApplicationId));
        var twice = await rest.PostAsync($"/v1/operators/{op}/applications/{objected.ApplicationId}:withdraw", "operator", new WithdrawApplicationRequest());
        var grpcTwice = await Assert.ThrowsAsync<RpcException>(() => operatorClient.WithdrawApplicationAsync(new WithdrawApplicationRequest { OperatorId = op, ApplicationId = objected.ApplicationId }).ResponseAsync);
        AssertSameError(grpcTwice, twice, HttpStatusCode.BadRequest);

        // The regulator's inbox, the same both ways; the repair approved over HTTP is the repair read back over gRPC.
        var inbox = (await rest.GetAsync("/v1/applications?pageSize=1000", "regulator")).As<ListApplicationsResponse>();
        Assert.Equal(await server.Regulator.ListApplicationsAsync(new ListApplicationsRequest { PageSize = 1000 }), inbox);
        Assert.Contains(inbox.Applications, a => a.Equals(applied));
        var decided = (await rest.PostAsync(
            $"/v1/applications/{applied.ApplicationId}:decide",
            "regulator",
            new DecideApplicationRequest { Decision = ApprovalDecision.Approve, Reason = "材料齐全，同意修复" })).As<DecideApplicationResponse>();
        Assert.Equal((ApplicationState.Approved, ViolationStatus.Repaired), (decided.Application.State, decided.Violation.Status));
        var history = await server.Regulator.ListViolationsAsync(new ListViolationsRequest { OperatorId = op, PageSize = 1000 });
        Assert.Equal(decided.Violation, history.Violations.Single(v => v.ViolationId == old.ViolationId));
        var decidedAgain = await rest.PostAsync($"/v1/applications/{applied.ApplicationId}:decide", "regulator", new DecideApplicationRequest { Decision = ApprovalDecision.Reject, Reason = "重复" });
        var grpcDecidedAgain = await Assert.ThrowsAsync<RpcException>(() => server.Regulator.DecideApplicationAsync(new DecideApplicationRequest { ApplicationId = applied.ApplicationId, Decision = ApprovalDecision.Reject, Reason = "重复" }).ResponseAsync);
        AssertSameError(grpcDecidedAgain, decidedAgain, HttpStatusCode.BadRequest);
        var noDecision = await rest.PostAsync($"/v1/applications/{applied.ApplicationId}:decide", "regulator", new DecideApplicationRequest { Reason = "?" });
        var grpcNoDecision = await Assert.ThrowsAsync<RpcException>(() => server.Regulator.DecideApplicationAsync(new DecideApplicationRequest { ApplicationId = applied.ApplicationId, Reason = "?" }).ResponseAsync);
        AssertSameError(grpcNoDecision, noDecision, HttpStatusCode.BadRequest);
        var unknown = await rest.PostAsync("/v1/applications/app_000000000000000000000000:decide", "regulator", new DecideApplicationRequest { Decision = ApprovalDecision.Reject, Reason = "?" });
        var grpcUnknown = await Assert.ThrowsAsync<RpcException>(() => server.Regulator.DecideApplicationAsync(new DecideApplicationRequest { ApplicationId = "app_000000000000000000000000", Decision = ApprovalDecision.Reject, Reason = "?" }).ResponseAsync);
        AssertSameError(grpcUnknown, unknown, HttpStatusCode.NotFound);

        // Another operator's file: 403 naming what is out of reach, as over gRPC.
        var other = await rest.GetAsync($"/v1/operators/{TestUscc.Huawei}/credit-file", "operator");
        var grpcOther = await Assert.ThrowsAsync<RpcException>(() => operatorClient.GetCreditFileAsync(new GetCreditFileRequest { OperatorId = TestUscc.Huawei }).ResponseAsync);
        AssertSameError(grpcOther, other, HttpStatusCode.Forbidden);
        Assert.Contains(TestUscc.Huawei, other.Error().Message);
    }

    /// <summary>
    /// The guard: every rpc this server serves has a test marked as its REST round trip (and a marked test
    /// fails unless it makes that call), so an rpc added to protos/ without one fails here.
    /// </summary>
    [Fact]
    public void EveryServedRpc_HasARestRoundTripTest()
    {
        var marked = typeof(RestApiTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .SelectMany(m => m.GetCustomAttributes(typeof(RestRoundTripAttribute), false).Cast<RestRoundTripAttribute>()
                .Where(_ => m.GetCustomAttributes(typeof(FactAttribute), true).Length > 0))
            .SelectMany(a => a.Rpcs)
            .ToHashSet(StringComparer.Ordinal);
        var served = RestCoverage.Served().ToHashSet(StringComparer.Ordinal);
        Assert.True(served.Count >= 46, $"only {served.Count} rpcs found in the descriptors");
        var missing = served.Except(marked).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "rpcs with no REST round-trip test: " + string.Join(", ", missing));
        var unknown = marked.Except(served).ToList();
        Assert.True(unknown.Count == 0, "tests marked for rpcs that do not exist: " + string.Join(", ", unknown));
    }

    /// <summary>The mark itself fails a test that does not make its call, and counts only HTTP/1.1 answers of 2xx.</summary>
    [Fact]
    public async Task RestRoundTripMark_FailsATestThatDoesNotReachItsRpc()
    {
        var method = typeof(RestApiTests).GetMethod(nameof(RestRoundTripMark_FailsATestThatDoesNotReachItsRpc))!;
        var mark = new RestRoundTripAttribute("CreditService/GetCreditStatus");
        mark.Before(method);
        await rest.GetAsync($"/v1/operators/{TestUscc.Huawei}/credit-status", null);
        await rest.GetAsync("/v1/blacklist?pageSize=1", "platform");
        Assert.Throws<XunitException>(() => mark.After(method));

        mark.Before(method);
        await rest.GetAsync($"/v1/operators/{TestUscc.Huawei}/credit-status", "platform");
        mark.After(method);

        Assert.Equal("RegulatorService/RevokeViolation", RestCoverage.RpcOf(HttpMethod.Post, "/v1/operators/x/violations/v1:revoke?a=b"));
        Assert.Equal("PolicyService/GetPolicy", RestCoverage.RpcOf(HttpMethod.Get, "/v1/policies/2019.1"));
        Assert.Equal("PolicyService/ValidatePolicy", RestCoverage.RpcOf(HttpMethod.Post, "/v1/policies:validate"));
        Assert.Equal("PlatformService/CountSellers", RestCoverage.RpcOf(HttpMethod.Get, "/v1/platform/sellers:count"));
        Assert.Null(RestCoverage.RpcOf(HttpMethod.Get, "/v1/operators/x/violations/v1:revoke"));
    }

    /// <summary>Same code, message and details as over gRPC, and the HTTP status of that code.</summary>
    internal static void AssertSameError(RpcException grpc, RestClient.Answer http, HttpStatusCode expected)
    {
        Assert.Equal(expected, http.Status);
        var status = http.Error();
        Assert.Equal((int)grpc.StatusCode, status.Code);
        Assert.Equal(grpc.Status.Detail, status.Message);
        var grpcDetails = grpc.GetRpcStatus()?.Details ?? [];
        Assert.Equal(grpcDetails, status.Details);
    }
}

/// <summary>
/// The four-eyes rpcs over plain HTTP/1.1 JSON, on the server with the default second person (REVOKE,
/// LISTING_REPAIR, PUBLISH_POLICY) and authority scopes: the same answers and refusals as over gRPC.
/// </summary>
[Collection(ScopedServerCollection.Name)]
public sealed class RestApiFourEyesTests(ScopedServerFixture server) : IDisposable
{
    private readonly RestClient rest = new(server.HttpAddress, ScopedServerFixture.Principals.ToDictionary(p => p.Name, p => ScopedServerFixture.TokenOf(p.Name)));

    public void Dispose() => rest.Dispose();

    [Fact]
    [RestRoundTrip("RegulatorService/ListApprovals", "RegulatorService/DecideApproval")]
    public async Task Approvals_OverHttp_AnswerAsOverGrpc_AndTheApprovedChangeIsReadBack()
    {
        var op = TestUscc.Fresh();
        var recorded = await server.Regulator("zj-samr").RecordViolationAsync(Requests.Violation(op, severity: Severity.EspeciallySerious));
        var proposed = await server.Regulator("zj-samr").RevokeViolationAsync(new RevokeViolationRequest { OperatorId = op, ViolationId = recorded.Violation.ViolationId, Reason = "行政复议撤销" });
        var id = proposed.Approval.ApprovalId;

        var pending = (await rest.GetAsync($"/v1/approvals?operatorId={op}", "zj-samr-2")).As<ListApprovalsResponse>();
        Assert.Equal(await server.Regulator("zj-samr-2").ListApprovalsAsync(new ListApprovalsRequest { OperatorId = op }), pending);
        Assert.Equal(proposed.Approval, Assert.Single(pending.Approvals));
        Assert.Empty((await rest.GetAsync($"/v1/approvals?operatorId={op}", "sz-samr")).As<ListApprovalsResponse>().Approvals);

        // Refusals: out of scope (403 naming the scope), the proposer (403), no decision (400).
        var decide = new DecideApprovalRequest { Decision = ApprovalDecision.Approve, Reason = "复核同意" };
        foreach (var who in new[] { "sz-samr", "zj-samr" })
        {
            var http = await rest.PostAsync($"/v1/approvals/{id}:decide", who, decide);
            var grpc = await Assert.ThrowsAsync<RpcException>(() => server.Regulator(who).DecideApprovalAsync(new DecideApprovalRequest(decide) { ApprovalId = id }).ResponseAsync);
            RestApiTests.AssertSameError(grpc, http, HttpStatusCode.Forbidden);
        }

        Assert.Contains("440300-SAMR", (await rest.PostAsync($"/v1/approvals/{id}:decide", "sz-samr", decide)).Error().Message);
        var noDecision = await rest.PostAsync($"/v1/approvals/{id}:decide", "zj-samr-2", new DecideApprovalRequest { Reason = "?" });
        var grpcNoDecision = await Assert.ThrowsAsync<RpcException>(() => server.Regulator("zj-samr-2").DecideApprovalAsync(new DecideApprovalRequest { ApprovalId = id, Reason = "?" }).ResponseAsync);
        RestApiTests.AssertSameError(grpcNoDecision, noDecision, HttpStatusCode.BadRequest);

        var approved = (await rest.PostAsync($"/v1/approvals/{id}:decide", "zj-samr-2", decide)).As<DecideApprovalResponse>();
        Assert.Equal((ApprovalState.Approved, "zj-samr-2", ViolationStatus.Revoked), (approved.Approval.State, approved.Approval.DecidedBy, approved.Violation.Status));
        Assert.False(approved.Status.Blacklisted);
        var history = await server.Regulator("national").ListViolationsAsync(new ListViolationsRequest { OperatorId = op });
        Assert.Equal(approved.Violation, Assert.Single(history.Violations));
        var decided = (await rest.GetAsync($"/v1/approvals?operatorId={op}&decided=true", "national")).As<ListApprovalsResponse>();
        Assert.Equal(await server.Regulator("national").ListApprovalsAsync(new ListApprovalsRequest { OperatorId = op, Decided = true }), decided);
        Assert.Equal(approved.Approval, Assert.Single(decided.Approvals));

        var twice = await rest.PostAsync($"/v1/approvals/{id}:decide", "national", decide);
        var grpcTwice = await Assert.ThrowsAsync<RpcException>(() => server.Regulator("national").DecideApprovalAsync(new DecideApprovalRequest(decide) { ApprovalId = id }).ResponseAsync);
        RestApiTests.AssertSameError(grpcTwice, twice, HttpStatusCode.BadRequest);
        var unknown = await rest.PostAsync("/v1/approvals/apr_000000000000000000000000:decide", "national", decide);
        var grpcUnknown = await Assert.ThrowsAsync<RpcException>(() => server.Regulator("national").DecideApprovalAsync(new DecideApprovalRequest(decide) { ApprovalId = "apr_000000000000000000000000" }).ResponseAsync);
        RestApiTests.AssertSameError(grpcUnknown, unknown, HttpStatusCode.NotFound);
    }

    [Fact]
    [RestRoundTrip("PolicyService/PublishPolicy")]
    public async Task PublishPolicy_OverHttp_WaitsForASecondAdmin_AsOverGrpc()
    {
        var admin = new PolicyService.PolicyServiceClient(server.As("ops"));
        var shipped = await admin.GetPolicyAsync(new GetPolicyRequest { Version = (await admin.ListPoliciesAsync(new ListPoliciesRequest())).CurrentVersion });
        var edited = System.Text.Json.Nodes.JsonNode.Parse(shipped.Document)!;
        edited["version"] = $"2099.rest-{Guid.NewGuid():N}"[..20];
        var publish = new PublishPolicyRequest { Document = edited.ToJsonString(), EffectiveFrom = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(30)) };

        var proposed = (await rest.PostAsync("/v1/policies", "ops", publish)).As<PublishPolicyResponse>();
        Assert.Null(proposed.Policy);
        Assert.Equal((ApprovalState.Pending, ApprovalAction.PublishPolicy, "ops"), (proposed.Approval.State, proposed.Approval.Action, proposed.Approval.ProposedBy));
        var pending = await server.Regulator("ops").ListApprovalsAsync(new ListApprovalsRequest { PageSize = 1000 });
        Assert.Equal(proposed.Approval, pending.Approvals.Single(a => a.ApprovalId == proposed.Approval.ApprovalId));
        Assert.DoesNotContain((await admin.ListPoliciesAsync(new ListPoliciesRequest())).Policies, p => p.Version == edited["version"]!.GetValue<string>());

        // The proposer may not decide it; a published version again is 409; a date in the past 400; a regulator 403.
        var own = await rest.PostAsync($"/v1/approvals/{proposed.Approval.ApprovalId}:decide", "ops", new DecideApprovalRequest { Decision = ApprovalDecision.Approve, Reason = "同意" });
        var grpcOwn = await Assert.ThrowsAsync<RpcException>(() => server.Regulator("ops").DecideApprovalAsync(new DecideApprovalRequest { ApprovalId = proposed.Approval.ApprovalId, Decision = ApprovalDecision.Approve, Reason = "同意" }).ResponseAsync);
        RestApiTests.AssertSameError(grpcOwn, own, HttpStatusCode.Forbidden);
        var republish = new PublishPolicyRequest { Document = shipped.Document, EffectiveFrom = publish.EffectiveFrom };
        var httpRepublish = await rest.PostAsync("/v1/policies", "ops", republish);
        var grpcRepublish = await Assert.ThrowsAsync<RpcException>(() => admin.PublishPolicyAsync(republish).ResponseAsync);
        RestApiTests.AssertSameError(grpcRepublish, httpRepublish, HttpStatusCode.Conflict);
        var past = new PublishPolicyRequest { Document = publish.Document, EffectiveFrom = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-1)) };
        var httpPast = await rest.PostAsync("/v1/policies", "ops", past);
        Assert.Equal(HttpStatusCode.BadRequest, httpPast.Status);
        Assert.Equal("effective_from", httpPast.Error().Details[0].Unpack<BadRequest>().FieldViolations[0].Field);
        // A role refusal names the route called: the rpc over gRPC, the path over REST.
        var regulator = await rest.PostAsync("/v1/policies", "national", publish);
        var grpcRegulator = await Assert.ThrowsAsync<RpcException>(() => new PolicyService.PolicyServiceClient(server.As("national")).PublishPolicyAsync(publish).ResponseAsync);
        Assert.Equal(HttpStatusCode.Forbidden, regulator.Status);
        Assert.Equal((int)grpcRegulator.StatusCode, regulator.Error().Code);
        Assert.Equal("role 'regulator' may not call /v1/policies", regulator.Error().Message);
    }
}
