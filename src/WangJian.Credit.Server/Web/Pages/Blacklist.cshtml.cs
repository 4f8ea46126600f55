using Microsoft.AspNetCore.Authorization;
using WangJian.Credit.Server.Storage;
using WangJian.Credit.Server.ReadModels;

namespace WangJian.Credit.Server.Web.Pages;

/// <summary>The public serious illegal and dishonest list (严重违法失信名单), paged, by region prefix; no sign-in.</summary>
[AllowAnonymous]
public sealed class PublicBlacklistModel(IBlacklistIndex changes) : BlacklistPageModel(changes);
