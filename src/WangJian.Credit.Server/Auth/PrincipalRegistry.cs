using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Options;

namespace WangJian.Credit.Server.Auth;

/// <summary>A configured caller, known by the SHA-256 of its token.</summary>
public sealed record KnownPrincipal(string Name, string Role, string? Agency, byte[] TokenHash);

/// <summary>
/// Resolves bearer tokens to principals. Only hashes are held; every configured hash is compared in
/// constant time so neither the match nor its position leaks through timing.
/// </summary>
public sealed class PrincipalRegistry
{
    private const string AuthenticationType = "Bearer";

    private readonly KnownPrincipal[] principals;
    private readonly ClaimsPrincipal[] claims;

    public PrincipalRegistry(IEnumerable<KnownPrincipal> principals)
    {
        this.principals = principals.ToArray();
        // One immutable ClaimsPrincipal per configured caller, shared by its requests (nothing adds claims).
        claims = this.principals.Select(ToClaims).ToArray();
    }

    public int Count => principals.Length;

    /// <summary>The caller's ClaimsPrincipal (name, role, agency), or null for an unknown token.</summary>
    public ClaimsPrincipal? Authenticate(string token) => IndexOf(token) is var i and >= 0 ? claims[i] : null;

    private int IndexOf(string token)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        var found = -1;
        for (var i = 0; i < principals.Length; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, principals[i].TokenHash))
            {
                found = i;
            }
        }

        return found;
    }

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Validates configured principals; a mistake stops the server with a message naming the entry.</summary>
    public static PrincipalRegistry FromOptions(IReadOnlyList<PrincipalOptions> options)
    {
        var list = new List<KnownPrincipal>();
        for (var i = 0; i < options.Count; i++)
        {
            var p = options[i];
            var where = $"Auth:Principals:{i} ({p.Name})";
            if (string.IsNullOrWhiteSpace(p.Name))
            {
                throw new InvalidOperationException($"{where}: Name is required");
            }

            if (!Roles.All.Contains(p.Role))
            {
                throw new InvalidOperationException($"{where}: Role '{p.Role}' is not one of {string.Join(", ", Roles.All)}");
            }

            if (p.Role == Roles.Agency && !Agencies.IsKnown(p.Agency))
            {
                throw new InvalidOperationException($"{where}: an agency principal needs Agency, one of {string.Join(", ", Agencies.All)}");
            }

            if (p.TokenSha256.Length != 64 || !p.TokenSha256.All(Uri.IsHexDigit))
            {
                throw new InvalidOperationException($"{where}: TokenSha256 must be the 64 hex digits of the token's SHA-256");
            }

            list.Add(new KnownPrincipal(p.Name, p.Role, p.Role == Roles.Agency ? p.Agency : null, Convert.FromHexString(p.TokenSha256)));
        }

        return new PrincipalRegistry(list);
    }

    private static ClaimsPrincipal ToClaims(KnownPrincipal principal)
    {
        List<Claim> list = [new(ClaimTypes.Name, principal.Name), new(ClaimTypes.Role, principal.Role)];
        if (principal.Agency is not null)
        {
            list.Add(new Claim(Roles.AgencyClaim, principal.Agency));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(list, AuthenticationType));
    }
}
