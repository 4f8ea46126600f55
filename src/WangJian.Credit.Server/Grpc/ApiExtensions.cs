using WangJian.Credit.Server.Audit;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Health;
using WangJian.Credit.Server.Http;
using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.UseCases;
using WangJian.Credit.Server.Web;

namespace WangJian.Credit.Server.Grpc;

public static class ApiExtensions
{
    /// <summary>
    /// What callers reach: the use cases and the gRPC services
    /// with the one request pipeline (ErrorInterceptor, CommitBarrierInterceptor), REST/JSON transcoding,
    /// reflection and health.
    /// </summary>
    public static void AddCreditApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<ViolationCommands>();
        services.AddSingleton<CreditReads>();
        services.AddSingleton<AgencyChecks>();
        services.AddSingleton<OperatorFiles>();
        services.AddSingleton<ApprovalInbox>();
        var grpc = services.AddGrpc(o =>
        {
            o.Interceptors.Add<ErrorInterceptor>();
            o.Interceptors.Add<CommitBarrierInterceptor>();
            o.MaxReceiveMessageSize = 4 * 1024 * 1024;
        });
        // The services and interceptors keep no per-call state: one instance each, not a construction with
        // its dependencies resolved on every call (grpc-dotnet uses a type's own registration when it has one).
        services.AddSingleton<ErrorInterceptor>();
        services.AddSingleton<CommitBarrierInterceptor>();
        services.AddSingleton<RegulatorGrpcService>();
        services.AddSingleton<CreditGrpcService>();
        services.AddSingleton<AgencyGrpcService>();
        services.AddSingleton<AuditGrpcService>();
        services.AddSingleton<PlatformGrpcService>();
        services.AddSingleton<PolicyGrpcService>();
        services.AddSingleton<OperatorGrpcService>();
        services.AddSingleton<PublicGrpcService>();
        JsonApi.Add(services, grpc);
        services.AddGrpcReflection();
        services.AddCreditHealth();
        // Every endpoint's [Authorize] is checked, but not by ASP.NET Core's middleware everywhere: the API's by
        // ApiAuthorizationMiddleware, the console's by the console's branch. The endpoint middleware would
        // otherwise refuse to run an endpoint with [Authorize] that ASP.NET Core's middleware did not see.
        services.Configure<Microsoft.AspNetCore.Routing.RouteOptions>(o => o.SuppressCheckForUnhandledSecurityMetadata = true);
        CheckedRequestMessages.Use(services);
    }

    /// <summary>
    /// The request pipeline, in order: REST/JSON routes, the access log, message validation, the console's
    /// own pages, bearer authentication, the API's roles, the console's authorization, the public rate limit
    /// (only where an endpoint asks for it), the refusal of invalid messages;
    /// then the services, reflection, health, the console's endpoints and the metrics endpoint.
    /// </summary>
    public static void MapCreditApi(this WebApplication app, AuditOptions audit, ConsoleOptions console, ObservabilityOptions observability)
    {
        // WebApplication puts ASP.NET Core's authentication and authorization middleware in front of every
        // request when their services are registered, unless the app has placed them itself (these are the
        // properties it looks for). They run only on console paths (ConsoleWeb): the API authenticates by bearer
        // token and checks its roles itself, and running them on every call as well cost ~5 % of a read's CPU.
        ((IApplicationBuilder)app).Properties["__AuthenticationMiddlewareSet"] = true;
        ((IApplicationBuilder)app).Properties["__AuthorizationMiddlewareSet"] = true;
        JsonApi.Map(app);
        if (audit.Enabled)
        {
            app.UseMiddleware<AccessLogMiddleware>();
        }

        app.UseMiddleware<MessageValidationMiddleware>();
        ConsoleWeb.UseConsole(app, console);
        app.UseMiddleware<BearerTokenMiddleware>();
        app.UseMiddleware<ApiAuthorizationMiddleware>();
        ConsoleWeb.UseConsoleAuthorization(app, console);
        Publicity.PublicRateLimit.Use(app);
        app.Use(MessageValidationMiddleware.RejectInvalidAsync);
        app.MapGrpcService<RegulatorGrpcService>();
        app.MapGrpcService<CreditGrpcService>();
        app.MapGrpcService<AgencyGrpcService>();
        app.MapGrpcService<AuditGrpcService>();
        app.MapGrpcService<PlatformGrpcService>();
        app.MapGrpcService<PolicyGrpcService>();
        app.MapGrpcService<OperatorGrpcService>();
        app.MapGrpcService<PublicGrpcService>();
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        ConsoleWeb.MapConsole(app, console);
        Observability.Map(app, observability);
    }
}
