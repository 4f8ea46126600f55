using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Domain;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.UseCases;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.V1;

namespace WangJian.Credit.Server.Grpc;

/// <summary>Pre-approval checks for the agency the caller is bound to; every answer is stored first.</summary>
/// <remarks>Every method that writes awaits <see cref="DurableWrites.WaitAsync"/> before it answers: an answered check is on disk.</remarks>
[Authorize(Roles = Roles.AgencyService)]
public sealed partial class AgencyGrpcService(IGrainFactory grains, AgencyChecks agencyChecks) : AgencyService.AgencyServiceBase
{
    [Writes]
    public override async Task<CheckOperatorResponse> CheckOperator(CheckOperatorRequest request, ServerCallContext context)
    {
        var user = context.GetHttpContext().User;
        Caller.Agency(user);
        var errors = new List<Domain.FieldViolation>();
        var op = RequestFields.Operator(request.OperatorId, "operator_id", errors);
        var matter = request.Matter.Trim().ToUpperInvariant();
        agencyChecks.ValidateMatter(matter, errors);
        RequestFields.ThrowIfAny(errors);

        var (answer, record, _, status, version) = await agencyChecks.CheckAsync(user, op, matter);
        var now = record.CheckedAt;
        var response = new CheckOperatorResponse
        {
            Decision = ProtoMapper.ToProto(answer.Decision),
            CheckId = record.CheckId,
            CheckTime = ProtoMapper.ToTimestamp(now),
            Status = status,
            StatusVersion = version,
        };
        response.Measures.AddRange(ProtoMapper.MeasuresOf(answer));
        return response;
    }
}
