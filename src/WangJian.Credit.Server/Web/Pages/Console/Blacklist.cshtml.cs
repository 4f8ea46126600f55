using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Storage;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>The list for signed-in staff with a credit-feed role.</summary>
[ConsoleAuthorize(Roles.CreditFeeds)]
public sealed class BlacklistModel(RedisChangeLog changes) : BlacklistPageModel(changes);
