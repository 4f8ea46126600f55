using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using WangJian.Credit.Server.Audit;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

/// <summary>The access log for auditors: a filtered, keyed page, or an export stream of a period.</summary>
/// <remarks>Both first wait for the entries this server has queued (<see cref="AccessLog.FlushAsync"/>): every call it finished before is there.</remarks>
[Authorize(Roles = Roles.AuditService)]
public sealed class AuditGrpcService(AccessLog log) : AuditService.AuditServiceBase
{
    private const string TokenKind = PageTokenKind.AccessLog;
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;
    private const int ExportBatch = 500;

    private static readonly HashSet<string> StatusNames = Enum.GetValues<StatusCode>().Select(GrpcErrors.CodeName).ToHashSet(StringComparer.Ordinal);

    public override async Task<ListAccessLogResponse> ListAccessLog(ListAccessLogRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var query = ToQuery(request.Filter, errors);
        var size = RequestFields.PageSize(request.PageSize, DefaultPageSize, MaxPageSize, errors);
        var after = PageTokens.DecodePosition(request.PageToken, TokenKind, errors);
        RequestFields.ThrowIfAny(errors);

        await log.FlushAsync();
        var (entries, next) = await log.QueryAsync(query, after, size);
        var response = new ListAccessLogResponse();
        response.Records.AddRange(entries.Select(ToProto));
        if (next is { } position)
        {
            response.NextPageToken = PageTokens.EncodePosition(TokenKind, position);
        }

        return response;
    }

    public override async Task ExportAccessLog(ExportAccessLogRequest request, IServerStreamWriter<ExportAccessLogResponse> responseStream, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var query = ToQuery(request.Filter, errors);
        RequestFields.ThrowIfAny(errors);

        await log.FlushAsync();
        IndexPosition? after = null;
        do
        {
            var (entries, next) = await log.QueryAsync(query, after, ExportBatch);
            if (entries.Count > 0)
            {
                var batch = new ExportAccessLogResponse();
                batch.Records.AddRange(entries.Select(ToProto));
                await responseStream.WriteAsync(batch, context.CancellationToken);
            }

            after = next;
        }
        while (after is not null);
    }

    private static AccessQuery ToQuery(AccessLogFilter? filter, List<Domain.FieldViolation> errors)
    {
        filter ??= new AccessLogFilter();
        var from = ProtoMapper.ToInstant(filter.StartTime, "filter.start_time", errors);
        var before = ProtoMapper.ToInstant(filter.EndTime, "filter.end_time", errors);
        if (from is not null && before is not null && before < from)
        {
            errors.Add(new("filter.end_time", $"filter.end_time {before:O} is before filter.start_time {from:O}"));
        }

        string? op = null;
        if (filter.OperatorId.Trim().Length > 0)
        {
            op = RequestFields.Operator(filter.OperatorId, "filter.operator_id", errors);
        }

        var status = filter.Status.Trim().ToUpperInvariant();
        if (status.Length > 0 && !StatusNames.Contains(status))
        {
            errors.Add(new("filter.status", $"'{(status.Length > 32 ? status[..32] : status)}' is not a gRPC status code name (OK, PERMISSION_DENIED, …)"));
        }

        return new AccessQuery(
            NullIfEmpty(filter.Principal),
            op,
            NullIfEmpty(filter.Rpc),
            status.Length == 0 ? null : status,
            from,
            before);
    }

    private static string? NullIfEmpty(string value) => value.Trim() is { Length: > 0 } v ? v : null;

    private static AccessRecord ToProto(AccessEntry e)
    {
        var r = new AccessRecord
        {
            RequestId = e.RequestId,
            Time = ProtoMapper.ToTimestamp(e.Time),
            Principal = e.Principal ?? string.Empty,
            Role = e.Role ?? string.Empty,
            Rpc = e.Rpc,
            OperatorIdsTruncated = e.OperatorIdsTruncated,
            Status = e.Status,
            ClientAddress = e.ClientAddress ?? string.Empty,
            DurationMs = e.DurationMs,
        };
        r.OperatorIds.AddRange(e.OperatorIds);
        return r;
    }
}
