using System.Security.Cryptography;
using System.Text.Json;
using WangJian.Credit.Domain;

namespace WangJian.Credit.Server.Auth;

/// <summary>
/// For the embedded default with no principals configured: one random token per role and per agency,
/// kept in <c>&lt;DataDir&gt;/dev-tokens.json</c> (owner-only) so that a first run needs no setup and a
/// restart keeps the same tokens. The tokens are never logged, only the file's path.
/// </summary>
public static class DevTokens
{
    public const string FileName = "dev-tokens.json";

    public static PrincipalRegistry LoadOrCreate(string dataDir, ILogger logger)
    {
        Directory.CreateDirectory(dataDir);
        var path = Path.GetFullPath(Path.Combine(dataDir, FileName));
        Dictionary<string, string> tokens;
        if (File.Exists(path))
        {
            tokens = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path))
                ?? throw new InvalidOperationException($"{path} is empty; delete it to generate new dev tokens");
        }
        else
        {
            tokens = new Dictionary<string, string>
            {
                [Roles.Regulator] = NewToken(),
                [Roles.Platform] = NewToken(),
                [Roles.Admin] = NewToken(),
            };
            foreach (var agency in Agencies.All)
            {
                tokens[$"agency:{agency}"] = NewToken();
            }

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
            else if (Roles.All.Contains(key))
            {
                principals.Add(new KnownPrincipal($"dev-{key}", key, null, hash));
            }
        }

        return new PrincipalRegistry(principals);
    }

    private static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
