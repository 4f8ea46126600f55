namespace WangJian.Credit.Domain.Tests;

[Trait("Category", "Unit")]
public class PolicyLoaderFileTests
{
    [Fact]
    public void Load_DefaultPolicy_HasVersionAndWholeCatalogue()
    {
        var policy = PolicyLoader.Load();
        Assert.Equal("2019.1", policy.Version);
        Assert.Equal(24, policy.Offenses.Count);
        Assert.Equal(40m, policy.Offense("FAKE_REVIEW").PointsFor(Severity.EspeciallySerious));
    }
}
