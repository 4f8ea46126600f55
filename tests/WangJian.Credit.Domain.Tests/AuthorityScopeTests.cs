using WangJian.Credit.Domain;

namespace WangJian.Credit.Domain.Tests;

[Trait("Category", "Unit")]
public sealed class AuthorityScopeTests
{
    [Theory]
    [InlineData("330100-SAMR", "330100-SAMR", true)]
    [InlineData("330100-SAMR", "330101-SAMR", false)]
    [InlineData("33*", "330100-SAMR", true)]
    [InlineData("33*", "3-SAMR", false)]
    [InlineData("33*", "440300-SAMR", false)]
    [InlineData("*", "110000-SAMR", true)]
    public void Covers_ExactPrefixAndAll(string entry, string authority, bool covered)
    {
        var scope = AuthorityScope.TryParse([entry], out var error);
        Assert.Null(error);
        Assert.Equal(covered, scope!.Covers(authority));
    }

    [Theory]
    [InlineData("3*3")]
    [InlineData("33**")]
    [InlineData("")]
    [InlineData("330100-SAMR,440300-SAMR")]
    [InlineData("33 *")]
    public void TryParse_NotACodeOrPrefix_RefusedWithAReason(string entry)
    {
        Assert.Null(AuthorityScope.TryParse([entry], out var error));
        Assert.Contains("prefix ending in *", error);
    }

    [Fact]
    public void TryParse_NoEntries_EmptyScopeCoversNothing()
    {
        var scope = AuthorityScope.TryParse([], out _)!;
        Assert.True(scope.IsEmpty);
        Assert.False(scope.Covers("330100-SAMR"));
        Assert.Equal("330100-SAMR, 33*", AuthorityScope.TryParse(["330100-SAMR", "33*", "330100-SAMR"], out _)!.ToString());
    }
}
