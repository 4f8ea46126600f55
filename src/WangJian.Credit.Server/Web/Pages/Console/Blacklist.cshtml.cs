using WangJian.Credit.Server.Auth;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.Server.ReadModels;

namespace WangJian.Credit.Server.Web.Pages.Console;

/// <summary>The list for signed-in staff with a credit-feed role.</summary>
[ConsoleAuthorize(Roles.CreditFeeds)]
public sealed class BlacklistModel(IBlacklistIndex changes) : BlacklistPageModel(changes);
