namespace WangJian.Credit.Domain;

/// <summary>The policy file on disk: one loader finds, reads and validates it (rules/policy/policy.json by default).</summary>
public static partial class PolicyLoader
{
    /// <summary>Where the default policy lands beside the binaries.</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "policy", "policy.json");

    /// <summary>Reads and validates the policy file at <paramref name="path"/> (default <see cref="DefaultPath"/>).</summary>
    public static CreditPolicy Load(string? path = null)
    {
        path ??= DefaultPath;
        if (!File.Exists(path))
        {
            throw new PolicyException($"{path}: policy file not found");
        }

        return Parse(File.ReadAllText(path), path);
    }
}
