using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using WangJian.Credit.Domain;
using WangJian.Credit.Server.Options;

namespace WangJian.Credit.Server.Auth;

/// <summary>
/// A configured caller, known by the SHA-256 of its token. <paramref name="Agency"/> binds an agency,
/// <paramref name="Uscc"/> an operator, <paramref name="Authorities"/> a regulator.
/// </summary>
public sealed record KnownPrincipal(string Name, string Role, string? Agency, byte[] TokenHash, AuthorityScope? Authorities = null, string? Uscc = null)
{
    /// <summary>The request's user: one immutable ClaimsPrincipal per configured caller, shared by its calls.</summary>
    public ClaimsPrincipal ToClaims() => Principals.Create(Name, Role, Agency, Uscc, Authorities ?? AuthorityScope.None, PrincipalRegistry.AuthenticationType);
}

/// <summary>
/// Resolves bearer tokens to principals. Only hashes are held; every configured hash is compared in
/// constant time so neither the match nor its position leaks through timing. The set can be replaced
/// while the server runs (a reloaded principals file): a call sees the old set or the new one, whole.
/// </summary>
public sealed class PrincipalRegistry
{
    public const string AuthenticationType = "Bearer";

    private static readonly string EmptyTokenHash = Hash(string.Empty);

    private volatile Snapshot current;

    public PrincipalRegistry(IEnumerable<KnownPrincipal> principals) => current = new Snapshot(principals.ToArray());

    public int Count => current.Principals.Length;

    /// <summary>The caller's ClaimsPrincipal (name, role, agency, scope), or null for an unknown token.</summary>
    public ClaimsPrincipal? Authenticate(string token) => Authenticate(token.AsSpan());

    /// <inheritdoc cref="Authenticate(string)"/>
    public ClaimsPrincipal? Authenticate(ReadOnlySpan<char> token)
    {
        var snapshot = current;
        return token.Length > 0 && snapshot.IndexOf(token) is var i and >= 0 ? snapshot.Claims[i] : null;
    }

    /// <summary>
    /// The principal whose token has this SHA-256 (lower-case hex), or null: how a console session signed in
    /// with a token is checked again on each request, so a token removed from the principals ends it too.
    /// </summary>
    public ClaimsPrincipal? AuthenticateHash(string tokenSha256)
    {
        var snapshot = current;
        if (tokenSha256.Length != 64 || !tokenSha256.All(Uri.IsHexDigit))
        {
            return null;
        }

        return snapshot.IndexOfHash(Convert.FromHexString(tokenSha256)) is var i and >= 0 ? snapshot.Claims[i] : null;
    }

    /// <summary>Replaces every principal at once; calls already authenticated keep the principal they had.</summary>
    public void Replace(IEnumerable<KnownPrincipal> principals) => current = new Snapshot(principals.ToArray());

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>
    /// Validates configured principals; a mistake throws with the entry and the setting, e.g.
    /// <c>… (Auth:Principals:2:TokenSha256)</c>, which stops the server at start.
    /// </summary>
    public static IReadOnlyList<KnownPrincipal> FromOptions(IReadOnlyList<PrincipalOptions> options)
    {
        var list = new List<KnownPrincipal>();
        for (var i = 0; i < options.Count; i++)
        {
            var p = options[i];
            string Where(string field) => $"(Auth:Principals:{i}:{field})";
            var who = string.IsNullOrWhiteSpace(p.Name) ? $"principal {i}" : $"principal '{p.Name}'";
            if (string.IsNullOrWhiteSpace(p.Name))
            {
                throw new InvalidOperationException($"{who}: Name is required {Where("Name")}");
            }

            if (!Roles.All.Contains(p.Role))
            {
                throw new InvalidOperationException($"{who}: Role '{p.Role}' is not one of {string.Join(", ", Roles.All)} {Where("Role")}");
            }

            if (p.Role == Roles.Agency && !Agencies.IsKnown(p.Agency))
            {
                throw new InvalidOperationException($"{who}: an agency principal needs Agency, one of {string.Join(", ", Agencies.All)} {Where("Agency")}");
            }

            string? uscc = null;
            if (p.Role == Roles.Operator)
            {
                if (!Domain.Uscc.TryParse(p.Uscc ?? string.Empty, out var code, out var usccError))
                {
                    throw new InvalidOperationException($"{who}: an operator principal needs its own USCC: {usccError} {Where("Uscc")}");
                }

                uscc = code.Value;
            }

            var scope = AuthorityScope.TryParse(p.Authorities, out var scopeError);
            if (scope is null)
            {
                throw new InvalidOperationException($"{who}: Authorities: {scopeError} {Where("Authorities")}");
            }

            if (p.Role == Roles.Regulator && scope.IsEmpty)
            {
                throw new InvalidOperationException(
                    $"{who}: a regulator needs Authorities, the authority codes (330100-SAMR) or prefixes (33*, * for all) it acts for {Where("Authorities")}");
            }

            if (p.Role != Roles.Regulator && !scope.IsEmpty)
            {
                throw new InvalidOperationException($"{who}: only a regulator has Authorities, not a(n) {p.Role} {Where("Authorities")}");
            }

            var hash = p.TokenSha256.Trim().ToLowerInvariant();
            if (hash.Length != 64 || !hash.All(Uri.IsHexDigit))
            {
                throw new InvalidOperationException($"{who}: TokenSha256 must be the 64 hex digits of the token's SHA-256 {Where("TokenSha256")}");
            }

            if (hash == EmptyTokenHash)
            {
                throw new InvalidOperationException($"{who}: TokenSha256 is the SHA-256 of the empty string, which no caller may use as a token {Where("TokenSha256")}");
            }

            list.Add(new KnownPrincipal(p.Name, p.Role, p.Role == Roles.Agency ? p.Agency : null, Convert.FromHexString(hash), scope, uscc));
        }

        return list;
    }

    private sealed class Snapshot
    {
        public Snapshot(KnownPrincipal[] principals)
        {
            Principals = principals;
            Claims = principals.Select(p => p.ToClaims()).ToArray();
        }

        public KnownPrincipal[] Principals { get; }

        public ClaimsPrincipal[] Claims { get; }

        /// <summary>
        /// Tokens already found valid in this snapshot, so that a caller's every call after its first costs a
        /// dictionary lookup instead of a SHA-256 (~0.5 % of a read). Only known tokens go in: at most one per
        /// principal plus what hashes alike, so it stays as small as the principals. Its lookups compare the
        /// string only after a randomized hash matched, which tells an attacker nothing about a token.
        /// </summary>
        private readonly ConcurrentDictionary<string, int> known = new(StringComparer.Ordinal);

        public int IndexOf(ReadOnlySpan<char> token)
        {
            if (known.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(token, out var cached))
            {
                return cached;
            }

            var found = Find(token);
            if (found >= 0 && known.Count < 4 * Principals.Length + 16)
            {
                known.TryAdd(token.ToString(), found);
            }

            return found;
        }

        private int Find(ReadOnlySpan<char> token)
        {
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            var utf8 = new byte[Encoding.UTF8.GetByteCount(token)];
            Encoding.UTF8.GetBytes(token, utf8);
            SHA256.HashData(utf8, hash);
            return IndexOfHash(hash);
        }

        public int IndexOfHash(ReadOnlySpan<byte> hash)
        {
            var found = -1;
            for (var i = 0; i < Principals.Length; i++)
            {
                if (CryptographicOperations.FixedTimeEquals(hash, Principals[i].TokenHash))
                {
                    found = i;
                }
            }

            return found;
        }
    }
}
