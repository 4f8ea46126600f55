using System.Security.Claims;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Server.Auth;

/// <summary>
/// The one shape of a request's user, whether it came from a static token or a JWT: name, role, and the
/// binding of its role (agency code, own USCC, authority scope) as claims; and reading them back.
/// </summary>
public static class Principals
{
    public static ClaimsPrincipal Create(string name, string role, string? agency, string? uscc, AuthorityScope authorities, string authenticationType)
    {
        List<Claim> list = [new(ClaimTypes.Name, name), new(ClaimTypes.Role, role)];
        if (agency is not null)
        {
            list.Add(new Claim(Roles.AgencyClaim, agency));
        }

        if (uscc is not null)
        {
            list.Add(new Claim(Roles.UsccClaim, uscc));
        }

        list.AddRange(authorities.Entries.Select(a => new Claim(Roles.AuthorityClaim, a)));
        return new ClaimsPrincipal(new ClaimsIdentity(list, authenticationType));
    }

    public static string? Role(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.Role);

    /// <summary>The authorities a regulator acts for; empty for every other role.</summary>
    public static AuthorityScope Scope(ClaimsPrincipal user) =>
        user.IsInRole(Roles.Regulator)
            ? AuthorityScope.TryParse(user.FindAll(Roles.AuthorityClaim).Select(c => c.Value), out _) ?? AuthorityScope.None
            : AuthorityScope.None;
}
