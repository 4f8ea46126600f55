using WangJian.Credit.Server.Options;

namespace WangJian.Credit.Server.Audit;

public static class AuditExtensions
{
    /// <summary>The access log (<c>Audit:*</c>): its writer runs as a hosted service, from the host's start to its stop.</summary>
    public static AuditOptions AddAccessAudit(this WebApplicationBuilder builder)
    {
        var audit = builder.AddValidatedOptions<AuditOptions, AuditOptionsValidator>(AuditOptions.Section);
        builder.Services.AddSingleton<AccessLog>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AccessLog>());
        return audit;
    }
}
