using WangJian.Credit.Domain;

namespace WangJian.Credit.Rules;

/// <summary>Finds and loads the versioned policy file (rules/policy/policy.json by default).</summary>
public static class PolicyFile
{
    /// <summary>Where the default policy lands beside the binaries.</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, "policy", "policy.json");

    public static CreditPolicy Load(string? path = null)
    {
        path ??= DefaultPath;
        if (!File.Exists(path))
        {
            throw new PolicyException($"{path}: policy file not found");
        }

        return PolicyLoader.Parse(File.ReadAllText(path), path);
    }
}
