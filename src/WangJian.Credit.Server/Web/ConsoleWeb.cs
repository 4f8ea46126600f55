using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Options;

namespace WangJian.Credit.Server.Web;

/// <summary>The web console. Section <c>Console</c>.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>Serve the console (staff pages under /console, public pages at /) on the Http:Urls endpoint.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A console session ends after this long without a request (sliding), and at sign-out.</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The client id the console presents to the OpenID Connect issuer (default: Auth:Jwt:Audience).</summary>
    public string? OidcClientId { get; set; }

    /// <summary>The client secret, for an issuer that requires one (the code flow uses PKCE either way).</summary>
    public string? OidcClientSecret { get; set; }
}

/// <summary>
/// The console: ASP.NET Core Razor Pages (server-rendered HTML forms; a little script only for the charts
/// and the as-you-type USCC check), served by the server itself on the REST listener. Pages call the same
/// application classes as the gRPC services (Application/, FourEyes, the stores) in-process, and the
/// same roles and scopes are checked on the server.
/// </summary>
/// <remarks>
/// The console's own cookie is honoured only on the console's paths: the API keeps taking bearer tokens
/// alone, so a page of another site can never make a signed-in browser call the API (no CSRF on the API),
/// and every console form carries an antiforgery token on top of the SameSite=Strict cookie.
/// </remarks>
public static class ConsoleWeb
{
    public const string CookieScheme = "wj-console";
    public const string OidcScheme = "wj-oidc";

    /// <summary>The keyed TimeProvider the session cookie is stamped and checked with (a test replaces it).</summary>
    public const string ClockKey = "console";

    public const string AssetsPath = "/console-assets";

    /// <summary>The claim holding the SHA-256 of the token a session signed in with (checked on every request).</summary>
    public const string TokenHashClaim = "wj:token-sha256";

    public const string DefaultCulture = "zh-CN";

    public static readonly string[] Cultures = [DefaultCulture, "en"];

    /// <summary>Paths the console answers (and whose requests its cookie authenticates).</summary>
    public static bool IsConsolePath(PathString path) =>
        // An API call (asked three times per call) is told apart by one ordinal comparison.
        !(path.Value?.StartsWith("/wangjian.", StringComparison.Ordinal) ?? true)
        && (path == "/" || path.StartsWithSegments("/console") || path.StartsWithSegments("/blacklist") || path.StartsWithSegments("/verify") || path.StartsWithSegments(AssetsPath));

    public static ConsoleOptions Add(WebApplicationBuilder builder, AuthOptions auth)
    {
        var options = builder.Configuration.GetSection(ConsoleOptions.Section).Get<ConsoleOptions>() ?? new ConsoleOptions();
        if (options.SessionTimeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"the console session timeout must be positive, got {options.SessionTimeout} (Console:SessionTimeout)");
        }

        var services = builder.Services;
        services.AddSingleton(options);
        if (!options.Enabled)
        {
            return options;
        }

        services.TryAddKeyedSingleton(ClockKey, TimeProvider.System);
        services.AddLocalization();
        // The pages are compiled into this assembly; named, so a host started from another entry assembly
        // (the tests start the server in-process) finds them too.
        services.AddRazorPages(o => o.RootDirectory = "/Web/Pages")
            .AddApplicationPart(typeof(ConsoleWeb).Assembly)
            .AddViewLocalization()
            .AddMvcOptions(o => o.Filters.Add<CommitBarrierFilter>());
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "wj_console_af";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        // The cookie's keys live in the store (RedisKeyRing): shared by the servers of a cluster, kept across restarts.
        services.AddDataProtection().SetApplicationName("WangJian.Credit");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o => o.XmlRepository = new RedisKeyRing(sp.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>())));

        // Nothing is authenticated by default: the API keeps its bearer tokens (BearerTokenMiddleware); only
        // console paths read the cookie (ConsoleSession).
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        var authentication = services.AddAuthentication();
        authentication.AddCookie(CookieScheme, o =>
        {
            o.Cookie.Name = "wj_console";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = options.SessionTimeout;
            o.SlidingExpiration = true;
            o.LoginPath = "/console/signin";
            o.LogoutPath = "/console/signout";
            o.AccessDeniedPath = "/console/denied";
            o.ReturnUrlParameter = "returnUrl";
            o.Events.OnValidatePrincipal = ValidateSessionAsync;
        });
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme)
            .Configure<IServiceProvider>((o, sp) => o.TimeProvider = sp.GetRequiredKeyedService<TimeProvider>(ClockKey));

        if (auth.Jwt.Enabled && !string.IsNullOrWhiteSpace(auth.Jwt.Authority))
        {
            var clientId = string.IsNullOrWhiteSpace(options.OidcClientId) ? auth.Jwt.Audience : options.OidcClientId;
            if (string.IsNullOrWhiteSpace(clientId))
            {
                throw new InvalidOperationException("console sign-in with OpenID Connect needs a client id (Console:OidcClientId)");
            }

            authentication.AddOpenIdConnect(OidcScheme, o =>
            {
                o.Authority = auth.Jwt.Authority;
                o.RequireHttpsMetadata = auth.Jwt.RequireHttpsMetadata;
                o.ClientId = clientId;
                o.ClientSecret = options.OidcClientSecret;
                o.ResponseType = "code";
                // The code comes back in the query of a top-level GET, so the correlation and nonce cookies
                // can be Lax (form_post would need SameSite=None, which browsers drop without TLS).
                o.ResponseMode = "query";
                o.CorrelationCookie.SameSite = SameSiteMode.Lax;
                o.NonceCookie.SameSite = SameSiteMode.Lax;
                o.UsePkce = true;
                o.CallbackPath = "/console/signin-oidc";
                o.SignedOutCallbackPath = "/console/signout-oidc";
                o.SignInScheme = CookieScheme;
                o.MapInboundClaims = false;
                o.SaveTokens = false;
                o.GetClaimsFromUserInfoEndpoint = false;
                o.Scope.Clear();
                o.Scope.Add("openid");
                o.Scope.Add("profile");
                o.TokenValidationParameters.NameClaimType = "name";
                o.TokenValidationParameters.RoleClaimType = "role";
                o.Events.OnTokenValidated = context =>
                {
                    // The id token carries the same claims as an API token (role, authorities, agency, uscc):
                    // one mapping for both, and a token that would be refused at the API is refused here.
                    var (user, failure) = JwtAuthentication.Map(context.Principal!);
                    if (user is null)
                    {
                        context.Fail(failure!);
                        return Task.CompletedTask;
                    }

                    context.Principal = new ClaimsPrincipal(new ClaimsIdentity(user.Claims, CookieScheme));
                    return Task.CompletedTask;
                };
                o.Events.OnRemoteFailure = context =>
                {
                    context.Response.Redirect("/console/signin?error=" + Uri.EscapeDataString(context.Failure?.Message ?? "sign-in failed"));
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
            });
        }

        return options;
    }

    /// <summary>Before the API's bearer middleware: language, static assets and the session cookie on console paths.</summary>
    public static void UseConsole(WebApplication app, ConsoleOptions options)
    {
        if (!options.Enabled)
        {
            return;
        }

        var cultures = Cultures.Select(c => new CultureInfo(c)).ToArray();
        var localization = new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(DefaultCulture),
            SupportedCultures = cultures,
            SupportedUICultures = cultures,
        };
        // Chinese first: the cookie the language switch sets, then ?culture=, never the browser's header.
        localization.RequestCultureProviders = [new CookieRequestCultureProvider(), new QueryStringRequestCultureProvider()];
        app.UseWhen(c => IsConsolePath(c.Request.Path), branch =>
        {
            branch.UseRequestLocalization(localization);
            branch.UseStaticFiles(new StaticFileOptions
            {
                RequestPath = AssetsPath,
                FileProvider = new PhysicalFileProvider(Path.Combine(AppContext.BaseDirectory, "Web", "assets")),
            });
            // The OpenID Connect callbacks (/console/signin-oidc) are handled by the authentication middleware.
            branch.UseAuthentication();
            branch.Use(async (context, next) =>
            {
                var result = await context.AuthenticateAsync(CookieScheme);
                if (result.Succeeded)
                {
                    context.User = result.Principal;
                }

                // Pages are not cached: a signed-out browser's Back button shows nothing of a file.
                context.Response.Headers.CacheControl = "no-cache, no-store";
                context.Response.Headers.Pragma = "no-cache";
                context.Response.Headers["X-Content-Type-Options"] = "nosniff";
                context.Response.Headers["Referrer-Policy"] = "same-origin";
                context.Response.Headers.ContentSecurityPolicy =
                    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'";
                await next();
            });
        });
    }

    /// <summary>After the bearer middleware: the console pages' [ConsoleAuthorize] (sign-in page or 'denied').</summary>
    public static void UseConsoleAuthorization(WebApplication app, ConsoleOptions options)
    {
        if (options.Enabled)
        {
            app.UseWhen(c => IsConsolePath(c.Request.Path), branch => branch.UseAuthorization());
        }
    }

    public static void MapConsole(WebApplication app, ConsoleOptions options)
    {
        if (!options.Enabled)
        {
            return;
        }

        app.MapRazorPages();
        // The GB 32100 check of a USCC as it is typed, by the same parser as the API (Uscc.TryParse), for
        // the search boxes; anyone may ask, it reads nothing.
        app.MapGet("/console/uscc", (string? value) =>
        {
            var text = value?.Trim().ToUpperInvariant() ?? string.Empty;
            return text.Length == 0
                ? Results.Json(new { ok = false, message = string.Empty })
                : Domain.Uscc.TryParse(text, out var code, out var error)
                    ? Results.Json(new { ok = true, message = code.Value })
                    : Results.Json(new { ok = false, message = error });
        }).AllowAnonymous().ExcludeFromDescription();
    }

    /// <summary>
    /// A session signed in with a token stays valid only while that token still names the same principal
    /// (a reloaded principals file may have removed it); an OpenID Connect session until it expires.
    /// </summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var hash = context.Principal?.FindFirstValue(TokenHashClaim);
        if (hash is null)
        {
            return;
        }

        var registry = context.HttpContext.RequestServices.GetRequiredService<PrincipalRegistry>();
        var now = registry.AuthenticateHash(hash);
        if (now is null
            || now.Identity?.Name != context.Principal!.Identity?.Name
            || Principals.Role(now) != Principals.Role(context.Principal))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieScheme);
        }
    }

    /// <summary>The session principal for a principal known by its token.</summary>
    public static ClaimsPrincipal SessionFor(ClaimsPrincipal known, string token)
    {
        var claims = known.Claims.Append(new Claim(TokenHashClaim, PrincipalRegistry.Hash(token)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, CookieScheme));
    }
}

/// <summary>[Authorize] for console pages: the roles given, checked on the console's session cookie (sign-in page, or 'denied').</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ConsoleAuthorizeAttribute : AuthorizeAttribute
{
    public ConsoleAuthorizeAttribute(string roles)
    {
        Roles = roles;
        AuthenticationSchemes = ConsoleWeb.CookieScheme;
    }
}
