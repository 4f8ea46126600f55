using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using WangJian.Credit.Server.Grpc;

namespace WangJian.Credit.Server.Publicity;

/// <summary>Settings of the public face (<c>Public:*</c>).</summary>
public sealed class PublicOptions
{
    public const string Section = "Public";

    /// <summary>Calls of PublicService one client address may make per minute (fixed window).</summary>
    public int PermitsPerMinute { get; set; } = 60;
}

/// <summary>
/// ASP.NET Core's rate limiter for PublicService: a fixed one-minute window per client address. Past it a
/// gRPC call is answered RESOURCE_EXHAUSTED (trailers-only) and a REST call HTTP 429, both with Retry-After.
/// </summary>
public static class PublicRateLimit
{
    public const string Policy = "public";

    /// <summary>
    /// The limiter, run only for endpoints that ask for it ([EnableRateLimiting]): for every other call it would
    /// look up the endpoint's metadata and find nothing to do, a few per cent of the CPU of a read.
    /// </summary>
    public static void Use(IApplicationBuilder app) =>
        app.UseWhen(c => c.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>() is not null, limited => limited.UseRateLimiter());

    public static void Add(IServiceCollection services, PublicOptions options)
    {
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(Policy, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.PermitsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            o.OnRejected = async (rejected, cancel) =>
            {
                await MessageValidationMiddleware.NoteRefusedOperatorsAsync(rejected.HttpContext);
                var response = rejected.HttpContext.Response;
                var retry = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
                response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var message = $"more than {options.PermitsPerMinute} public calls a minute from {rejected.HttpContext.Connection.RemoteIpAddress}; retry after {Math.Ceiling(retry.TotalSeconds)} s (Public:PermitsPerMinute)";
                if (rejected.HttpContext.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
                {
                    await TrailersOnly.WriteAsync(response, global::Grpc.Core.StatusCode.ResourceExhausted, message);
                }
                else
                {
                    response.StatusCode = StatusCodes.Status429TooManyRequests;
                    await response.WriteAsJsonAsync(new { code = 8, message, details = Array.Empty<object>() }, cancel);
                }
            };
        });
    }
}
