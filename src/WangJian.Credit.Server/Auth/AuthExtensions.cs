using WangJian.Credit.Server.Options;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Auth;

public static class AuthExtensions
{
    /// <summary>
    /// Who may call: the configured principals (and the watched principals file), development tokens for the
    /// embedded store, or single sign-on (JWT). Callers are authenticated by BearerTokenMiddleware and the roles
    /// of the API's [Authorize] checked by ApiAuthorizationMiddleware (console pages: ASP.NET Core's authorization).
    /// </summary>
    public static AuthOptions AddCreditAuth(this WebApplicationBuilder builder, StorageOptions storage, ILogger bootLog)
    {
        if (builder.Configuration[$"{AuthOptions.Section}:{nameof(AuthOptions.PrincipalsFile)}"] is { } principalsFile && !string.IsNullOrWhiteSpace(principalsFile))
        {
            // Watched: an edit applies to new calls within seconds (PrincipalReload).
            var file = Path.GetFullPath(principalsFile);
            if (!File.Exists(file))
            {
                throw new InvalidOperationException($"the principals file {file} does not exist (Auth:PrincipalsFile)");
            }

            builder.Configuration.AddJsonFile(file, optional: false, reloadOnChange: true);
        }

        var auth = builder.AddValidatedOptions<AuthOptions, AuthOptionsValidator>(AuthOptions.Section);
        if (storage.Embedded)
        {
            // Before anything is written to it (dev tokens, the store): owner-only.
            PrivateDataDir.Prepare(storage.DataDir);
        }

        var principals = auth.Principals.Count > 0
            ? new PrincipalRegistry(PrincipalRegistry.FromOptions(auth.Principals))
            : storage.Embedded
                ? DevTokens.LoadOrCreate(storage.DataDir, bootLog)
                : auth.Jwt.Enabled
                    ? new PrincipalRegistry([])
                    : throw new InvalidOperationException(
                    "Auth:Principals is empty. With an external Redis (Storage:Redis) the server needs configured principals " +
                    "(Name, Role, Authorities, Agency, Uscc, TokenSha256) or single sign-on (Auth:Jwt); development tokens are generated only for the embedded store.");

        var services = builder.Services;
        services.AddSingleton(principals);
        services.AddAuthorization();
        services.AddSingleton(new JwtSignOn(auth.Jwt.Enabled));
        if (auth.Jwt.Enabled)
        {
            JwtAuthentication.Add(services, auth.Jwt);
        }

        if (auth.Principals.Count > 0)
        {
            services.AddHostedService<PrincipalReloadService>();
        }

        return auth;
    }

    /// <summary>Follows configuration reloads for the life of the host (<see cref="PrincipalReload"/>).</summary>
    private sealed class PrincipalReloadService(IConfiguration config, PrincipalRegistry principals, ILoggerFactory loggers) : IHostedService
    {
        private IDisposable? watch;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            watch = PrincipalReload.Watch(config, principals, loggers.CreateLogger("WangJian.Credit.Auth"));
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            watch?.Dispose();
            return Task.CompletedTask;
        }
    }
}
