namespace WangJian.Credit.Domain.Tests;

/// <summary>
/// The real, public codes of shared/testdata/uscc.tsv (DOMAIN.md §2), read at run time.
/// The shared copy is looked for beside the repository (walking up from the test binaries); the
/// committed copy in TestData/ is always read too, so the tests never run on an empty set.
/// </summary>
public static class UsccTestData
{
    private const string SharedRelativePath = "shared/testdata/uscc.tsv";

    private static readonly Lazy<IReadOnlyList<string>> LazyCodes = new(Load);

    /// <summary>Every distinct code of the shared file (if found) and of the committed fallback.</summary>
    public static IReadOnlyList<string> Codes => LazyCodes.Value;

    /// <summary>The shared file, if one is found beside (or above) the repository.</summary>
    public static string? SharedPath { get; } = FindShared();

    /// <summary>The committed copy, copied next to the test binaries.</summary>
    public static string FallbackPath { get; } = Path.Combine(AppContext.BaseDirectory, "TestData", "uscc.tsv");

    public static TheoryData<string> AllCodes()
    {
        var data = new TheoryData<string>();
        foreach (var code in Codes)
        {
            data.Add(code);
        }

        return data;
    }

    /// <summary>First column of each data line; skips the header, blank lines and # comments.</summary>
    public static IReadOnlyList<string> ReadCodes(string path)
    {
        var codes = new List<string>();
        foreach (var line in File.ReadLines(path))
        {
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }

            var first = trimmed.Split('\t')[0].Trim();
            if (first.Equals("uscc", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            codes.Add(first);
        }

        return codes;
    }

    private static string? FindShared()
    {
        // In a checkout the layout is <parent>/<repo> with <parent>/shared beside it; walking up from
        // bin/Debug/net10.0 reaches <parent> (and also finds a shared/ inside the repo, should one exist).
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, SharedRelativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static IReadOnlyList<string> Load()
    {
        if (!File.Exists(FallbackPath))
        {
            throw new FileNotFoundException("the committed copy of uscc.tsv is not beside the test binaries", FallbackPath);
        }

        var codes = new List<string>(ReadCodes(FallbackPath));
        if (SharedPath is not null)
        {
            codes.AddRange(ReadCodes(SharedPath));
        }

        return codes.Distinct(StringComparer.Ordinal).ToList();
    }
}
