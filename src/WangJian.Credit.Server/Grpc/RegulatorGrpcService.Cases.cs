using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.UseCases;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

/// <summary>Joint-punishment cases for regulators: open one by hand, and follow each notice to its agency.</summary>
public sealed partial class RegulatorGrpcService
{
    /// <summary>Only a regulator whose scope covers every violation behind the listing opens its case.</summary>
    [Authorize(Roles = Roles.RegulatorWrites)]
    [Writes]
    public override async Task<OpenPunishmentCaseResponse> OpenPunishmentCase(OpenPunishmentCaseRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var op = RequestFields.Operator(request.OperatorId, "operator_id", errors);
        RequestFields.Required(request.Reason, "reason", MaxReasonLength, errors);
        RequestFields.ThrowIfAny(errors);

        var grain = grains.Operator(op);
        await ViolationCommands.ListingInScopeAsync(grain, null, "opening the punishment case of " + op, context.GetHttpContext().User);
        var outcome = await grain.OpenPunishmentCaseAsync(Caller.Name(context), request.Reason.Trim());
        outcome.OrThrow();

        var stored = await NoticeStatesAsync([outcome.Case!]);
        return new OpenPunishmentCaseResponse { Case = NoticeMapper.ToProto(outcome.Case!, stored), Created = outcome.Created };
    }

    [Authorize(Roles = Roles.RegulatorReads)]
    public override async Task<ListPunishmentCasesResponse> ListPunishmentCases(ListPunishmentCasesRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.FieldViolation>();
        var op = RequestFields.Operator(request.OperatorId, "operator_id", errors);
        RequestFields.ThrowIfAny(errors);

        var cases = await grains.Operator(op).GetPunishmentCasesAsync();
        var stored = await NoticeStatesAsync(cases);
        var response = new ListPunishmentCasesResponse();
        response.Cases.AddRange(cases.Select(c => NoticeMapper.ToProto(c, stored)));
        return response;
    }

    private async Task<IReadOnlyDictionary<string, StoredNotice>> NoticeStatesAsync(IReadOnlyList<Domain.PunishmentCase> cases)
    {
        var byAgency = cases.SelectMany(c => c.Notices).GroupBy(n => n.Agency);
        var lookups = await Task.WhenAll(byAgency.Select(g => grains.GetGrain<IAgencyOutboxGrain>(g.Key).GetAsync(g.Select(n => n.NoticeId).ToArray())));
        return lookups.SelectMany(l => l).ToDictionary(s => s.Notice.NoticeId);
    }
}
