using System.Text;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.V1;
using WangJian.Credit.Server.ReadModels;

namespace WangJian.Credit.Server.Grpc;

public sealed partial class RegulatorGrpcService
{
    private const string CheckTokenKind = PageTokenKind.Checks;

    /// <summary>The check audit log, newest first, keyed pages (a check added while paging shifts nothing).</summary>
    [Authorize(Roles = Roles.CheckLog)]
    public override async Task<ListChecksResponse> ListChecks(ListChecksRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var op = string.IsNullOrWhiteSpace(request.OperatorId) ? null : RequestFields.Operator(request.OperatorId, "operator_id", errors);
        string? agency = null;
        if (request.AgencyCode.Trim().Length > 0)
        {
            agency = request.AgencyCode.Trim().ToUpperInvariant();
            if (!Agencies.IsKnown(agency))
            {
                errors.Add(new("agency_code", $"unknown agency code '{(agency.Length > 16 ? agency[..16] : agency)}'; known agencies: {string.Join(", ", Agencies.All)}"));
            }
        }

        var size = RequestFields.PageSize(request.PageSize, DefaultPageSize, MaxPageSize, errors);
        var after = DecodeCheckToken(request.PageToken, errors);
        RequestFields.ThrowIfAny(errors);

        var (checks, next) = await checkLog.QueryAsync(op, agency, after, size);
        var response = new ListChecksResponse();
        response.Checks.AddRange(checks.Select(ToProto));
        if (next is { } position)
        {
            response.NextPageToken = EncodeCheckToken(position);
        }

        return response;
    }

    private static CheckRecord ToProto(StoredCheck c)
    {
        var record = new CheckRecord
        {
            CheckId = c.CheckId,
            AgencyCode = c.Agency,
            CheckedBy = c.Principal,
            OperatorId = c.OperatorId,
            Matter = c.Matter,
            Decision = ProtoMapper.ToProto(c.Decision),
            Score = (double)c.Score,
            Grade = ProtoMapper.ToProto(c.Grade),
            Blacklisted = c.Blacklisted,
            PolicyVersion = c.PolicyVersion,
            CheckTime = ProtoMapper.ToTimestamp(c.CheckedAt),
            StatusVersion = c.StatusVersion,
        };
        record.MeasureCodes.AddRange(c.MeasureCodes);
        return record;
    }

    private static string EncodeCheckToken(IndexPosition p) => PageTokens.EncodePosition(CheckTokenKind, p);

    private static IndexPosition? DecodeCheckToken(string token, List<Domain.FieldViolation> errors) =>
        PageTokens.DecodePosition(token, CheckTokenKind, errors);
}
