using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using WangJian.Credit.Testing;

namespace WangJian.Credit.Server.Tests.Fixtures;

/// <summary>The shipped policy document and variations of it, as a regulator would edit the file.</summary>
public static class PolicyDocuments
{
    public static string Shipped { get; } = File.ReadAllText(Path.Combine(ServerProcess.RepositoryRoot(), "rules", "policy", "policy.json"));

    /// <summary>The shipped document under another version string, edited by <paramref name="edit"/>.</summary>
    public static string Edited(string version, Action<JsonObject> edit)
    {
        var doc = JsonNode.Parse(Shipped, documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!.AsObject();
        doc["version"] = version;
        edit(doc);
        return doc.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    /// <summary>One offense's points doubled (capped at 100).</summary>
    public static void DoublePoints(JsonObject doc, string offense)
    {
        var o = doc["offenses"]!.AsArray().Single(x => (string?)x!["code"] == offense)!;
        o["points"] = new JsonArray(o["points"]!.AsArray().Select(p => (JsonNode?)JsonValue.Create(Math.Min(100m, (decimal)p! * 2))).ToArray());
    }

    /// <summary>How long one trigger lists, in months.</summary>
    public static void ListFor(JsonObject doc, int months) => doc["listing"]!["durationMonths"] = months;

    /// <summary>Sets the effect of every measure of <paramref name="agency"/> on <paramref name="matter"/>.</summary>
    public static void Effect(JsonObject doc, string agency, string matter, string effect)
    {
        foreach (var m in doc["measures"]!.AsArray().Where(m => (string?)m!["agency"] == agency))
        {
            foreach (var x in m!["matters"]!.AsArray().Where(x => (string?)x!["matter"] == matter))
            {
                x!["effect"] = effect;
            }
        }
    }

    /// <summary>How many measures of <paramref name="agency"/> the shipped document has.</summary>
    public static int MeasuresOf(string agency) =>
        JsonNode.Parse(Shipped, documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!["measures"]!.AsArray().Count(m => (string?)m!["agency"] == agency);

    public static Timestamp In(TimeSpan from) => Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow + from);
}
