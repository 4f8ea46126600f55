namespace WangJian.Credit.Domain;

/// <summary>
/// The authorities a regulator may act for: exact authority codes (<c>330100-SAMR</c>) and region prefixes
/// with a trailing <c>*</c> (<c>33*</c>: every authority whose code starts with 33; <c>*</c>: all). The
/// authority that decided or listed is the one that corrects or repairs, so every write is checked here.
/// </summary>
public sealed class AuthorityScope
{
    private readonly HashSet<string> exact;
    private readonly string[] prefixes;

    private AuthorityScope(IReadOnlyList<string> entries)
    {
        Entries = entries;
        exact = entries.Where(e => !e.EndsWith('*')).ToHashSet(StringComparer.Ordinal);
        prefixes = entries.Where(e => e.EndsWith('*')).Select(e => e[..^1]).ToArray();
    }

    /// <summary>No authority at all (a principal that is not a regulator).</summary>
    public static AuthorityScope None { get; } = new([]);

    /// <summary>Every authority.</summary>
    public static AuthorityScope All { get; } = new(["*"]);

    /// <summary>The entries as configured, in order.</summary>
    public IReadOnlyList<string> Entries { get; }

    public bool IsEmpty => Entries.Count == 0;

    /// <summary>
    /// Parses the entries; null and a message when one is not an authority code or a prefix with one
    /// trailing <c>*</c>. An empty list is an empty scope (the caller decides whether that is allowed).
    /// </summary>
    public static AuthorityScope? TryParse(IEnumerable<string?> entries, out string? error)
    {
        var list = new List<string>();
        foreach (var raw in entries)
        {
            var e = raw?.Trim() ?? string.Empty;
            if (e.Length == 0 || e.Length > 64 || e.IndexOf('*') is var star && star >= 0 && star != e.Length - 1
                || e.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == ','))
            {
                error = $"'{raw}' is not an authority code (330100-SAMR) or a prefix ending in * (33*, or * for all)";
                return null;
            }

            if (!list.Contains(e, StringComparer.Ordinal))
            {
                list.Add(e);
            }
        }

        error = null;
        return list.Count == 0 ? None : new AuthorityScope(list);
    }

    /// <summary>Whether the scope covers <paramref name="authorityCode"/>.</summary>
    public bool Covers(string authorityCode)
    {
        if (exact.Contains(authorityCode))
        {
            return true;
        }

        foreach (var p in prefixes)
        {
            if (authorityCode.StartsWith(p, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the scope covers every one of the codes.</summary>
    public bool CoversAll(IEnumerable<string> authorityCodes) => authorityCodes.All(Covers);

    public override string ToString() => IsEmpty ? "(none)" : string.Join(", ", Entries);
}
