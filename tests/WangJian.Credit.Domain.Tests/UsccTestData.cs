namespace WangJian.Credit.Domain.Tests;

/// <summary>
/// The real, public codes of TestData/uscc.tsv (docs/policy.md §2), read at run time.
/// </summary>
public static class UsccTestData
{
    private static readonly Lazy<IReadOnlyList<string>> LazyCodes = new(Load);

    /// <summary>Every distinct code of the committed file.</summary>
    public static IReadOnlyList<string> Codes => LazyCodes.Value;

    /// <summary>The committed file, copied next to the test binaries.</summary>
    public static string FilePath { get; } = Path.Combine(AppContext.BaseDirectory, "TestData", "uscc.tsv");

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

    private static IReadOnlyList<string> Load()
    {
        if (!File.Exists(FilePath))
        {
            throw new FileNotFoundException("TestData/uscc.tsv is not beside the test binaries", FilePath);
        }

        return ReadCodes(FilePath).Distinct(StringComparer.Ordinal).ToList();
    }
}
