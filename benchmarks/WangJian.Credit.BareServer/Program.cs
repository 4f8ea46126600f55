using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using WangJian.Credit.V1;

// The limit of the stack: Kestrel h2c + grpc-dotnet with the service's own contracts, answering from
// constants. No auth, no Orleans, no store: what is left of a real call's cost is HTTP/2 and protobuf.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddGrpc();
var app = builder.Build();
app.MapGrpcService<BareAgencyService>();
app.MapGrpcService<BareCreditService>();
await app.StartAsync();
Console.WriteLine($"WangJian.Credit.BareServer listening on {string.Join(", ", app.Urls)}");
await app.WaitForShutdownAsync();

/// <summary>
/// Responses shaped like the real ones being compared: CheckOperator like a clean operator's (A / 100),
/// the statuses like a seeded operator's (two deductions), so the bytes on the wire are comparable.
/// </summary>
internal static class Constants
{
    public static readonly Timestamp Now = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static readonly Deduction[] Deductions = [Deduction("DISCLOSURE_FAILURE", 8), Deduction("PRICE_MARKING", 4)];

    public static CreditStatus Clean(string operatorId) => new()
    {
        OperatorId = operatorId,
        AsOf = Now,
        PolicyVersion = "2019.1",
        Score = 100,
        Grade = Grade.A,
    };

    public static CreditStatus WithHistory(string operatorId)
    {
        var status = Clean(operatorId);
        status.Score = 88;
        status.Grade = Grade.B;
        status.NextChangeTime = Now;
        status.Deductions.Add(Deductions);
        return status;
    }

    private static Deduction Deduction(string offense, double points)
    {
        var d = new Deduction
        {
            ViolationId = "v" + new string('0', 32),
            OffenseCode = offense,
            Family = "PRICING",
            Severity = Severity.General,
            DecisionNumber = "杭市监处罚〔seed〕913301001000000000-0号",
            AuthorityCode = "330100-SAMR",
            DecidedAt = Now,
            BasePoints = points,
            RepeatOrdinal = 1,
            RepeatMultiplier = 1,
            HealthMultiplier = 1,
            AgeWeight = 1,
            Points = points,
            Rule = "FULL_WEIGHT_DEDUCTION",
            LegalBasis = "Price Law Art. 13; E-Commerce Law Art. 17",
        };
        d.RulesApplied.Add("FULL_WEIGHT_DEDUCTION");
        return d;
    }
}

internal sealed class BareAgencyService : AgencyService.AgencyServiceBase
{
    public override Task<CheckOperatorResponse> CheckOperator(CheckOperatorRequest request, ServerCallContext context) =>
        Task.FromResult(new CheckOperatorResponse
        {
            Decision = CheckDecision.Allow,
            CheckId = "chk_0000000000000000000000000000",
            CheckTime = Constants.Now,
            Status = Constants.Clean(request.OperatorId),
            StatusVersion = 0,
        });
}

internal sealed class BareCreditService : CreditService.CreditServiceBase
{
    public override Task<GetCreditStatusResponse> GetCreditStatus(GetCreditStatusRequest request, ServerCallContext context) =>
        Task.FromResult(new GetCreditStatusResponse { Status = Constants.WithHistory(request.OperatorId) });

    public override Task<BatchGetCreditStatusResponse> BatchGetCreditStatus(BatchGetCreditStatusRequest request, ServerCallContext context)
    {
        var response = new BatchGetCreditStatusResponse();
        foreach (var id in request.OperatorIds)
        {
            response.Statuses.Add(Constants.WithHistory(id));
        }

        return Task.FromResult(response);
    }
}
