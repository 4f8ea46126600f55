using System.Text.Json;
using System.Text.Json.Nodes;

namespace WangJian.Credit.Server.Policies;

/// <summary>One entry that differs between two policy documents; null Before: added, null After: removed.</summary>
/// <param name="Path">Where, e.g. <c>offenses[FAKE_REVIEW].points[1]</c> or <c>grades.a</c>.</param>
/// <param name="Before">The entry's JSON in the first document.</param>
/// <param name="After">The entry's JSON in the second document.</param>
public sealed record PolicyChange(string Path, string? Before, string? After);

/// <summary>
/// What changed from one policy document to another, entry by entry, for the console's diff page (and
/// anyone comparing two versions): offenses are matched by code and measures by agency and code, so a
/// reordered catalogue is no change; every other array is compared by position.
/// </summary>
public static class PolicyDiff
{
    private static readonly JsonDocumentOptions Read = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static IReadOnlyList<PolicyChange> Compare(string before, string after)
    {
        var changes = new List<PolicyChange>();
        Walk(JsonNode.Parse(before, documentOptions: Read), JsonNode.Parse(after, documentOptions: Read), string.Empty, changes);
        return changes;
    }

    private static void Walk(JsonNode? a, JsonNode? b, string path, List<PolicyChange> changes)
    {
        if (a is JsonObject oa && b is JsonObject ob)
        {
            foreach (var key in oa.Select(p => p.Key).Union(ob.Select(p => p.Key), StringComparer.OrdinalIgnoreCase).Where(k => k != "$comment"))
            {
                Walk(Get(oa, key), Get(ob, key), path.Length == 0 ? key : $"{path}.{key}", changes);
            }
        }
        else if (a is JsonArray aa && b is JsonArray ab)
        {
            if (KeyOf(aa) is { } keyed && KeyOf(ab) is not null)
            {
                var left = aa.Where(x => x is not null).ToDictionary(x => keyed(x!), StringComparer.Ordinal);
                var right = ab.Where(x => x is not null).ToDictionary(x => keyed(x!), StringComparer.Ordinal);
                foreach (var key in left.Keys.Union(right.Keys, StringComparer.Ordinal))
                {
                    Walk(left.GetValueOrDefault(key), right.GetValueOrDefault(key), $"{path}[{key}]", changes);
                }
            }
            else
            {
                for (var i = 0; i < Math.Max(aa.Count, ab.Count); i++)
                {
                    Walk(i < aa.Count ? aa[i] : null, i < ab.Count ? ab[i] : null, $"{path}[{i}]", changes);
                }
            }
        }
        else if (!JsonNode.DeepEquals(a, b))
        {
            changes.Add(new PolicyChange(path, a?.ToJsonString(), b?.ToJsonString()));
        }
    }

    private static JsonNode? Get(JsonObject o, string key) =>
        o.FirstOrDefault(p => string.Equals(p.Key, key, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>The identity of an array's members: offenses by code, measures by agency and code.</summary>
    private static Func<JsonNode, string>? KeyOf(JsonArray array)
    {
        if (array.Count == 0 || array.Any(x => x is not JsonObject))
        {
            return null;
        }

        var objects = array.Cast<JsonObject>().ToArray();
        if (objects.All(o => Get(o, "code") is JsonValue && Get(o, "agency") is JsonValue))
        {
            return x => $"{Get((JsonObject)x, "agency")}/{Get((JsonObject)x, "code")}";
        }

        return objects.All(o => Get(o, "code") is JsonValue) ? x => Get((JsonObject)x, "code")!.ToString() : null;
    }
}
