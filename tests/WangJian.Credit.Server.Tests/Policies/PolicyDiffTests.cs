using WangJian.Credit.Server.Policies;

namespace WangJian.Credit.Server.Tests.Policies;

/// <summary>The entry-by-entry diff of two policy documents (the console's diff page).</summary>
[Trait("Category", "Unit")]
public sealed class PolicyDiffTests
{
    [Fact]
    public void Compare_SameDocument_NoChange() =>
        Assert.Empty(PolicyDiff.Compare(PolicyDocuments.Shipped, PolicyDocuments.Shipped));

    [Fact]
    public void Compare_EditedDocument_NamesEachChangedEntryByCode()
    {
        var edited = PolicyDocuments.Edited("2021.1", d =>
        {
            PolicyDocuments.DoublePoints(d, "FAKE_REVIEW");
            PolicyDocuments.ListFor(d, 48);
            PolicyDocuments.Effect(d, "NDRC", "GOV_FUNDING", "ENHANCED_REVIEW");
            // Reordering the catalogue is no change.
            var offenses = d["offenses"]!.AsArray();
            var first = offenses[0]!;
            offenses.RemoveAt(0);
            offenses.Add(first);
        });

        var changes = PolicyDiff.Compare(PolicyDocuments.Shipped, edited).ToDictionary(c => c.Path, c => (c.Before, c.After));
        Assert.Equal(("\"2019.1\"", "\"2021.1\""), changes["version"]);
        Assert.Equal(("36", "48"), changes["listing.durationMonths"]);
        Assert.Equal(("4", "8"), changes["offenses[FAKE_REVIEW].points[0]"]);
        Assert.Equal(("40", "80"), changes["offenses[FAKE_REVIEW].points[3]"]);
        Assert.Contains(changes.Keys, k => k.StartsWith("measures[NDRC/", StringComparison.Ordinal) && k.EndsWith(".effect", StringComparison.Ordinal));
        Assert.Equal(6 + changes.Keys.Count(k => k.StartsWith("measures[", StringComparison.Ordinal)), changes.Count);
    }
}
