using System.Globalization;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Publicity;
using WangJian.Credit.Server.Reports;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

/// <summary>The public face: no token, rate-limited per client address (Public:PermitsPerMinute).</summary>
[AllowAnonymous]
[EnableRateLimiting(PublicRateLimit.Policy)]
public sealed class PublicGrpcService(PublicRecords records, CreditReports reports) : PublicService.PublicServiceBase
{
    public override async Task<GetPublicRecordResponse> GetPublicRecord(GetPublicRecordRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var op = RequestFields.Operator(request.OperatorId, "operator_id", errors);
        RequestFields.ThrowIfAny(errors);

        var record = await records.GetAsync(op);
        var response = new GetPublicRecordResponse { OperatorId = record.OperatorId, AsOf = ProtoMapper.ToTimestamp(record.AsOf), PolicyVersion = record.PolicyVersion };
        response.Penalties.AddRange(record.Penalties.Select(ApplicationMapper.ToProto));
        if (record.Listing is { } l)
        {
            response.Listing = new V1.PublicListing { ListedAt = ProtoMapper.ToTimestamp(l.ListedAt), ExpiresAt = ProtoMapper.ToTimestamp(l.ExpiresAt) };
            response.Listing.Decisions.AddRange(l.Decisions.Select(ApplicationMapper.ToProto));
        }

        return response;
    }

    public override async Task<ListPublicBlacklistResponse> ListPublicBlacklist(ListPublicBlacklistRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var size = RequestFields.PageSize(request.PageSize, 100, 1000, errors);
        (long Score, string Member)? after = null;
        if (request.PageToken.Length > 0)
        {
            var parts = PageTokens.Unwrap(request.PageToken, PageTokenKind.PublicBlacklist)?.Split(':', 2);
            if (parts is [var s, var member] && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var score) && Uscc.TryParse(member, out _, out _))
            {
                after = (score, member);
            }
            else
            {
                errors.Add(new("page_token", PageTokens.Invalid));
            }
        }

        RequestFields.ThrowIfAny(errors);
        var (items, next) = await records.BlacklistAsync(after, size);
        var response = new ListPublicBlacklistResponse();
        foreach (var item in items)
        {
            var entry = new PublicBlacklistEntry { OperatorId = item.OperatorId, ListedAt = ProtoMapper.ToTimestamp(item.ListedAt) };
            if (item.ExpiresAt is { } expires)
            {
                entry.ExpiresAt = ProtoMapper.ToTimestamp(expires);
            }

            response.Entries.Add(entry);
        }

        if (next is { } n)
        {
            response.NextPageToken = PageTokens.Wrap(PageTokenKind.PublicBlacklist, $"{n.Score.ToString(CultureInfo.InvariantCulture)}:{n.Member}");
        }

        return response;
    }

    public override async Task<VerifyCreditReportResponse> VerifyCreditReport(VerifyCreditReportRequest request, ServerCallContext context)
    {
        var found = await reports.VerifyTypedAsync(request.ReportNumber, request.Sha256);
        var response = new VerifyCreditReportResponse
        {
            Verdict = found.Verdict switch
            {
                Reports.ReportVerdict.Valid => V1.ReportVerdict.Valid,
                Reports.ReportVerdict.Altered => V1.ReportVerdict.Altered,
                _ => V1.ReportVerdict.Unknown,
            },
        };
        if (found.Report is { } r)
        {
            response.OperatorId = r.OperatorId;
            response.AsOf = ProtoMapper.ToTimestamp(r.AsOf);
            response.IssueTime = ProtoMapper.ToTimestamp(r.IssuedAt);
            response.Grade = System.Enum.TryParse<Domain.Grade>(r.Grade, out var g) ? ProtoMapper.ToProto(g) : V1.Grade.Unspecified;
        }

        return response;
    }

    public override async Task<GetSigningKeysResponse> GetSigningKeys(GetSigningKeysRequest request, ServerCallContext context)
    {
        var response = new GetSigningKeysResponse();
        foreach (var k in await reports.SigningKeysAsync())
        {
            response.Keys.Add(new SigningKey
            {
                KeyId = k.KeyId,
                Algorithm = SigningKeys.Algorithm,
                PublicKeyPem = k.PublicKeyPem,
                FirstUsedTime = ProtoMapper.ToTimestamp(k.FirstUsedAt),
                Current = k.Current,
            });
        }

        return response;
    }
}
