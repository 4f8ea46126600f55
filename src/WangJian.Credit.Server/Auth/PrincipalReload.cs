using Microsoft.Extensions.Primitives;
using WangJian.Credit.Server.Options;

namespace WangJian.Credit.Server.Auth;

/// <summary>
/// Principals change without a restart: when the configuration reloads (the principals file of
/// <c>Auth:PrincipalsFile</c>, or appsettings.json, edited), the registry is rebuilt from <c>Auth:Principals</c>
/// and new calls see the new set; a removed token is refused from then on. An edit with a mistake is
/// logged and ignored: the principals in force stay until a valid edit.
/// </summary>
public static class PrincipalReload
{
    public static IDisposable Watch(IConfiguration config, PrincipalRegistry registry, ILogger logger) =>
        ChangeToken.OnChange(config.GetReloadToken, () =>
        {
            try
            {
                var options = config.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
                if (options.Principals.Count == 0)
                {
                    // Most likely a file caught half-written; an empty set would lock everyone out.
                    logger.LogError("Reloaded configuration has no Auth:Principals; keeping the {Count} in force", registry.Count);
                    return;
                }

                registry.Replace(PrincipalRegistry.FromOptions(options.Principals));
                logger.LogInformation("Principals reloaded: {Count} in force", registry.Count);
            }
            catch (InvalidOperationException e)
            {
                logger.LogError("Reloaded principals are not valid, keeping those in force: {Problem}", e.Message);
            }
        });
}
