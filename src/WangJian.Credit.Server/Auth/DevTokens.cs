using System.Security.Cryptography;
using System.Text.Json;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Server.Auth;

/// <summary>
/// For the embedded default with no principals configured: one random token per role and per agency,
/// kept in <c>&lt;DataDir&gt;/dev-tokens.json</c> (owner-only) so that a first run needs no setup and a
/// restart keeps the same tokens. The tokens are never logged, only the file's path.
/// </summary>
/// <remarks>
/// Both dev regulators act for every authority (<c>*</c>), so the README's calls work for any authority;
/// <c>regulator-2</c> is the second person of four-eyes approvals. The dev operator is bound to the
/// README's example seller.
/// </remarks>
public static class DevTokens
{
    public const string FileName = "dev-tokens.json";

    public const string SecondRegulator = "regulator-2";

    /// <summary>The second admin, who approves a policy publication proposed by <c>admin</c>.</summary>
    public const string SecondAdmin = "admin-2";

    /// <summary>The USCC the dev <c>operator</c> token reads (the README's example seller).</summary>
    public const string DevOperatorUscc = "91330106673959654P";

    private static readonly string[] Keys =
        [Roles.Regulator, SecondRegulator, Roles.Platform, Roles.Admin, SecondAdmin, Roles.Operator, Roles.Auditor, .. Agencies.All.Select(a => $"agency:{a}")];

    public static PrincipalRegistry LoadOrCreate(string dataDir, ILogger logger)
    {
        Directory.CreateDirectory(dataDir);
        var path = Path.GetFullPath(Path.Combine(dataDir, FileName));
        var tokens = File.Exists(path)
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path))
                ?? throw new InvalidOperationException($"{path} is empty; delete it to generate new dev tokens (Storage:DataDir)")
            : [];

        // A file from an older version lacks the newer roles: add them, keep the tokens already handed out.
        var missing = Keys.Where(k => !tokens.ContainsKey(k)).ToArray();
        if (missing.Length > 0)
        {
            foreach (var key in missing)
            {
                tokens[key] = NewToken();
            }

            Write(path, tokens);
        }

        logger.LogWarning("No Auth:Principals configured: using development tokens from {Path} (one per role and agency)", path);

        var principals = new List<KnownPrincipal>();
        foreach (var (key, token) in tokens)
        {
            var hash = Convert.FromHexString(PrincipalRegistry.Hash(token));
            if (key.StartsWith("agency:", StringComparison.Ordinal))
            {
                var agency = key["agency:".Length..];
                principals.Add(new KnownPrincipal($"dev-agency-{agency.ToLowerInvariant()}", Roles.Agency, agency, hash));
            }
            else if (key is Roles.Regulator or SecondRegulator)
            {
                principals.Add(new KnownPrincipal($"dev-{key}", Roles.Regulator, null, hash, AuthorityScope.All));
            }
            else if (key == SecondAdmin)
            {
                principals.Add(new KnownPrincipal($"dev-{key}", Roles.Admin, null, hash));
            }
            else if (key == Roles.Operator)
            {
                principals.Add(new KnownPrincipal("dev-operator", Roles.Operator, null, hash, Uscc: DevOperatorUscc));
            }
            else if (Roles.All.Contains(key))
            {
                principals.Add(new KnownPrincipal($"dev-{key}", key, null, hash));
            }
        }

        return new PrincipalRegistry(principals);
    }

    private static void Write(string path, Dictionary<string, string> tokens)
    {
        var tmp = path + ".tmp";
        var fileOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Created owner-only, not chmod-ed afterwards: there is no instant at which others can read it.
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var f = new FileStream(tmp, fileOptions))
        {
            JsonSerializer.Serialize(f, tokens, new JsonSerializerOptions { WriteIndented = true });
        }

        File.Move(tmp, path, overwrite: true);
    }

    private static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
