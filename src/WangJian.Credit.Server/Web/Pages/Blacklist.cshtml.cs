using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using WangJian.Credit.Server.Publicity;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Web.Pages;

/// <summary>The public serious illegal and dishonest list (严重违法失信名单), paged, by region prefix; no sign-in.</summary>
[AllowAnonymous]
// The public pages show what PublicService answers: the same per-address limit, so they are no way around it.
[EnableRateLimiting(PublicRateLimit.Policy)]
public sealed class PublicBlacklistModel(RedisChangeLog changes) : BlacklistPageModel(changes);
