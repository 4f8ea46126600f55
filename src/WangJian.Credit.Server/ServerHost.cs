using Microsoft.Extensions.DependencyInjection.Extensions;
using WangJian.Credit.Grains;
using WangJian.Credit.Server.Applications;
using WangJian.Credit.Server.Approvals;
using WangJian.Credit.Server.Audit;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Delivery;
using WangJian.Credit.Server.Grpc;
using WangJian.Credit.Server.Http;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Policies;
using WangJian.Credit.Server.Publicity;
using WangJian.Credit.Server.Reports;
using WangJian.Credit.Server.Silo;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.Server.Web;
using WangJian.Credit.Server.Webhooks;

namespace WangJian.Credit.Server;

/// <summary>
/// Composes the one process: store (embedded Garnet or Redis), Orleans silo, and the gRPC API on Kestrel.
/// Kept out of Program.cs so that tests start exactly the same server in-process. Each part registers
/// itself by an extension method next to what it registers; the order below is the order of the checks:
/// every option group is validated, and the policy file and the ports checked, before the store starts.
/// </summary>
public static class ServerHost
{
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Configuration ships beside the binaries; relative paths in it (Storage:DataDir) are relative to
        // the working directory, so `dotnet run` from the repository root keeps data in ./data.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        using var bootLoggers = LoggerFactory.Create(l => l.AddConsole().SetMinimumLevel(LogLevel.Information));
        var bootLog = bootLoggers.CreateLogger("WangJian.Credit.Server");

        builder.AddCreditListeners();
        var storage = builder.AddValidatedOptions<StorageOptions, StorageOptionsValidator>(StorageOptions.Section);
        var orleans = builder.AddValidatedOptions<OrleansOptions, OrleansOptionsValidator>(OrleansOptions.Section);
        var observability = builder.AddValidatedOptions<ObservabilityOptions, ObservabilityOptionsValidator>(ObservabilityOptions.Section);
        var policyOptions = builder.AddValidatedOptions<PolicyOptions, PolicyOptionsValidator>(PolicyOptions.Section);
        var audit = builder.AddAccessAudit();
        builder.AddApprovals();
        builder.AddAgencyDelivery();
        builder.AddWebhooks();
        builder.AddPublicity();
        var reports = builder.AddReportOptions(bootLog);
        var policyFile = policyOptions.LoadPolicyFile(bootLog);
        var auth = builder.AddCreditAuth(storage, bootLog);
        var console = builder.AddCreditConsole(auth);
        var siloEndpoint = SiloEndpoint.Reserve(orleans);

        var store = await builder.AddCreditStoreAsync(storage, bootLog);
        var signingKeys = await builder.AddCreditReportsAsync(reports, storage, store);
        await builder.AddCreditSiloAsync(orleans, siloEndpoint, store, observability, bootLog);
        // After the silo: the rollout calls grains, and hosted services stop in the reverse order they were added.
        await builder.AddPoliciesAsync(policyFile, store, bootLog);
        Observability.Add(builder, observability, bootLog);
        builder.AddRepairApplications();
        builder.AddCreditApi();
        builder.Services.AddSingleton(TimeProvider.System);
        // A test may bring its own credit clock (configure): due dates, paths to repair and statuses then follow it.
        builder.Services.TryAddSingleton(CreditClock.System);

        var app = builder.Build();
        app.MapCreditApi(audit, console, observability);
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            store.Dispose();
            signingKeys.Dispose();
        });
        return app;
    }
}
